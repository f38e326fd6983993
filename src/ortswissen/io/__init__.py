"""Readers and writers: geodata files, CSV/XLSX/Parquet tables in German formats, exports.

Readers report problems with file, row and column and never write to a store; the import
services decide what is stored.
"""

from ortswissen.io._dates import DATE_FORMATS, parse_date_column, parse_reference_date
from ortswissen.io._export import EXPORT_FORMATS, export_format, write_geo, write_table
from ortswissen.io._geo import GEO_SUFFIXES, GeoInput, column_as_text, read_geofile
from ortswissen.io._numbers import PROBLEM_MESSAGES, SIGNS, ParsedNumbers, parse_numbers
from ortswissen.io._report import write_report_table
from ortswissen.io._sniff import SUPPORTED_ENCODINGS, EncodingProblem, FileFacts, sniff
from ortswissen.io._spec import DialectSpec, ValueSpec, available_profiles, load_profile
from ortswissen.io._tables import DELIMITERS, CsvDialect, RawBatch, TableSource, open_table

__all__ = [
    "DATE_FORMATS",
    "DELIMITERS",
    "EXPORT_FORMATS",
    "GEO_SUFFIXES",
    "PROBLEM_MESSAGES",
    "SIGNS",
    "SUPPORTED_ENCODINGS",
    "CsvDialect",
    "DialectSpec",
    "EncodingProblem",
    "FileFacts",
    "GeoInput",
    "ParsedNumbers",
    "RawBatch",
    "TableSource",
    "ValueSpec",
    "available_profiles",
    "column_as_text",
    "export_format",
    "load_profile",
    "open_table",
    "parse_date_column",
    "parse_numbers",
    "parse_reference_date",
    "read_geofile",
    "sniff",
    "write_geo",
    "write_report_table",
    "write_table",
]

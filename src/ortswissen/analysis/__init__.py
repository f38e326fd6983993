"""Analysis: classification, statistics over units and time, spatial autocorrelation, composites.

Part of the pure core: functions over numbers, frames and geometries, no store and no I/O.
"""

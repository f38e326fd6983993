"""The delineation page (``/regions``): set parameters, run a job, follow it, inspect quarters and metrics.

Plain server-rendered HTML with a small inline script and a canvas map (no libraries, no
remote resources: it works offline). It talks to the job API (``/api/v1/regions/…``) and draws
the units of the level coloured by quarter. Until the atlas app lands it is the browser view
of delineation; hidden in public mode like the API it uses.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from ortswissen.config import Settings
from ortswissen.errors import NotFound
from ortswissen.ports import Store
from ortswissen.web.api._deps import get_settings, get_store
from ortswissen.web.pages import PAGE_STYLE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_TEXT = {
    "de": {
        "title": "Quartiere bilden",
        "intro": "Baublöcke (oder Einheiten einer anderen Ebene) zu zusammenhängenden, ähnlichen Quartieren "
        "gruppieren. Das Ergebnis ist eine Vorschau; gespeichert wird mit „ortswissen regions delineate --save-as …“.",
        "level": "Ebene der Einheiten",
        "date": "Stichtag",
        "population": "Indikator Einwohner",
        "indicators": "Indikatoren (kommagetrennt)",
        "categories": "Kategoriale Merkmale der Einheiten (kommagetrennt)",
        "flows": "Modellierte Wege zu Einrichtungen",
        "nest": "Grenzen nicht überschreiten von",
        "none": "—",
        "tolerance": "Nachbarschaft über Straßen hinweg bis (m)",
        "target": "Ziel-Einwohnerzahl je Quartier",
        "floor": "Mindestens Einwohner",
        "cap": "Höchstens Einwohner",
        "small": "Kleine Inseln",
        "small_raise": "Fehler melden",
        "small_keep": "als eigene Quartiere behalten",
        "small_bridge": "an nächsten Block anbinden",
        "compactness": "Gewicht Kompaktheit",
        "preset": "Berlin-Voreinstellung",
        "run": "Quartiere berechnen",
        "status": "Status",
        "metrics": "Gütemaße",
        "measure": "Maß",
        "value": "Wert",
        "problems": "Hinweise",
        "map": "Karte der Quartiere",
        "download": "Zuordnung Einheit → Quartier (CSV)",
    },
    "en": {
        "title": "Delineate quarters",
        "intro": "Group blocks (or the units of another level) into contiguous, similar quarters. The result is a "
        "preview; save it with 'ortswissen regions delineate --save-as …'.",
        "level": "Level of the units",
        "date": "Reference date",
        "population": "Residents indicator",
        "indicators": "Indicators (comma-separated)",
        "categories": "Categorical unit attributes (comma-separated)",
        "flows": "Modelled trips to facilities",
        "nest": "Never cross borders of",
        "none": "—",
        "tolerance": "Neighbours across streets up to (m)",
        "target": "Target residents per quarter",
        "floor": "At least residents",
        "cap": "At most residents",
        "small": "Small islands",
        "small_raise": "report an error",
        "small_keep": "keep as quarters of their own",
        "small_bridge": "bridge to the nearest block",
        "compactness": "Weight of compactness",
        "preset": "Berlin preset",
        "run": "Delineate",
        "status": "Status",
        "metrics": "Quality measures",
        "measure": "Measure",
        "value": "Value",
        "problems": "Notes",
        "map": "Map of the quarters",
        "download": "Unit → quarter (CSV)",
    },
}

_STYLE = (
    PAGE_STYLE
    + """
main{max-width:80rem}form{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.6rem 1rem;
align-items:end}label{display:flex;flex-direction:column;font-size:.9rem}input,select,button{font:inherit;padding:.3rem}
button{background:#0b4f6c;color:#fff;border:0;padding:.5rem 1rem}
button.secondary{background:#eef3f6;color:#1b1f24;border:1px solid #0b4f6c}
input:focus,select:focus{outline:3px solid #d4a72c}
table{width:auto}canvas{border:1px solid #d0d7de;background:#fff;max-width:100%}
.results{display:grid;grid-template-columns:minmax(18rem,26rem) 1fr;gap:1rem}
"""
)

_SCRIPT = r"""
const T = JSON.parse(document.getElementById('texts').textContent);
const PRESET = JSON.parse(document.getElementById('preset').textContent);
const form = document.getElementById('spec');
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const fmt = new Intl.NumberFormat(document.documentElement.lang, {maximumFractionDigits: 3});
document.getElementById('preset-button').addEventListener('click', () => {
  const p = PRESET;
  form.level.value = p.level; form.date.value = p.date; form.population.value = p.population;
  form.categories.value = p.attributes.filter((a) => a.categorical).map((a) => a.attribute).join(', ');
  form.indicators.value = p.attributes.filter((a) => a.indicator).map((a) => a.indicator).join(', ');
  for (const o of form.flows.options) o.selected = p.flows.some((f) => f.georesource === o.value);
  form.nest.value = p.nest_level || ''; form.tolerance.value = p.tolerance; form.target.value = p.target_population;
  form.floor.value = p.floor; form.cap.value = p.cap || ''; form.small.value = p.small_components;
});
function spec() {
  const attrs = list(form.indicators.value).map((i) => ({indicator: i}))
    .concat(list(form.categories.value).map((a) => ({attribute: a, categorical: true})));
  const flows = [...form.flows.selectedOptions].map((o) => {
    const f = PRESET.flows.find((p) => p.georesource === o.value);
    return f ? f : {georesource: o.value};
  });
  const s = {level: form.level.value, date: form.date.value, population: form.population.value,
    attributes: attrs, flows: flows, tolerance: Number(form.tolerance.value || 0),
    target_population: Number(form.target.value), floor: Number(form.floor.value || 0),
    compactness: Number(form.compactness.value || 0), small_components: form.small.value,
    reference_level: PRESET.reference_level, reference_date: PRESET.reference_date};
  if (form.nest.value) s.nest_level = form.nest.value;
  if (form.cap.value) s.cap = Number(form.cap.value);
  return s;
}
const status = document.getElementById('status');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  status.textContent = '…';
  const started = await fetch('/api/v1/regions/delineations', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(spec())});
  const first = await started.json();
  if (!started.ok) { status.textContent = first.detail; return; }
  let job = first;
  while (job.status === 'queued' || job.status === 'running') {
    document.getElementById('progress').value = job.progress;
    status.textContent = `${job.status} ${job.stage}`;
    await new Promise((r) => setTimeout(r, 500));
    job = await (await fetch(job.links.self)).json();
  }
  document.getElementById('progress').value = 1;
  if (job.status !== 'done') { status.textContent = job.error.detail; return; }
  status.textContent = `${job.result.metrics.n_regions} · ${fmt.format(job.result.timings.total)} s`;
  showMetrics(job.result);
  const units = (await (await fetch(job.links.units)).json()).units;
  download(units);
  await draw(job.result.params, units);
});
function showMetrics(r) {
  const m = r.metrics, rows = [
    ['n_regions', m.n_regions], ['WSS/TSS', m.wss_tss], ['WSS ÷ Ward', m.wss_vs_ward],
    ['IPQ', m.ipq_mean], ['min / max', `${fmt.format(m.population.min)} / ${fmt.format(m.population.max)}`],
    ['floor / cap violations', `${m.floor_violations} / ${m.cap_violations}`], ['contiguous', m.contiguous]];
  if (m.self_containment !== undefined) rows.push(['self-containment', m.self_containment]);
  if (m.reference) rows.push([`ARI ${m.reference.level}`, m.reference.ari]);
  const body = document.querySelector('#metrics tbody');
  body.replaceChildren(...rows.map(([k, v]) => {
    const tr = document.createElement('tr');
    for (const x of [k, typeof v === 'number' ? fmt.format(v) : String(v)]) {
      const td = document.createElement('td'); td.textContent = x; tr.append(td);
    }
    return tr;
  }));
  const probs = document.getElementById('problems');
  probs.replaceChildren(...r.problems.slice(0, 20).map((p) => {
    const li = document.createElement('li'); li.textContent = `${p.reason}: ${p.units.slice(0, 5).join(', ')}`;
    return li;
  }));
}
function download(units) {
  const csv = 'unit_id,quarter\n' + Object.entries(units).map(([u, q]) => `${u},${q}`).join('\n');
  const a = document.getElementById('download');
  a.href = URL.createObjectURL(new Blob([csv], {type: 'text/csv'}));
  a.hidden = false;
}
async function draw(params, units) {
  const level = form.level.value;
  const gj = await (await fetch(`/api/v1/levels/${encodeURIComponent(level)}/units?date=${form.date.value}`)).json();
  const canvas = document.getElementById('map'), ctx = canvas.getContext('2d');
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const rings = (g) => g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
  for (const f of gj.features) for (const r of rings(f.geometry)) for (const [x, y] of r) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const k = Math.cos((y0 + y1) / 2 * Math.PI / 180);
  const s = Math.min(canvas.width / ((x1 - x0) * k), canvas.height / (y1 - y0));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const colour = (q) => { let h = 0; for (const c of q) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return `hsl(${h % 360},${45 + h % 30}%,${55 + (h >> 8) % 20}%)`; };
  for (const f of gj.features) {
    const q = units[f.properties.id ?? f.id]; if (q === undefined) continue;
    ctx.beginPath();
    for (const r of rings(f.geometry)) r.forEach(([x, y], i) => {
      const px = (x - x0) * k * s, py = canvas.height - (y - y0) * s;
      i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    });
    ctx.fillStyle = colour(q); ctx.fill();
  }
}
"""


@router.get("/regions", response_class=HTMLResponse)
def regions_page(
    store: Annotated[Store, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
) -> HTMLResponse:
    """The delineation page."""
    if settings.public_mode:
        raise NotFound("regions", "delineation is not available in public mode")
    language = lang or settings.language
    t = _TEXT[language]
    e = html.escape
    other = "en" if language == "de" else "de"
    preset = yaml.safe_load(resources.files("ortswissen.demo").joinpath("regions_berlin.yaml").read_text("utf-8"))
    levels = store.list_levels()
    indicators = store.list_indicators()
    geos = store.list_georesources()

    def options(pairs: list[tuple[str, str]], selected: str | None = None) -> str:
        return "".join(
            f"<option value='{e(v)}'{' selected' if v == selected else ''}>{e(label)}</option>" for v, label in pairs
        )

    level_opts = options([(lv.id, lv.name_de if language == "de" else lv.name_en) for lv in levels], "block")
    nest_opts = (
        "<option value=''>"
        + t["none"]
        + "</option>"
        + options([(lv.id, lv.name_de if language == "de" else lv.name_en) for lv in levels])
    )
    pop_opts = options([(m.id, f"{m.title(language)} ({m.id})") for m in indicators], "block_residents")
    flow_opts = options([(g.id, g.title_de if language == "de" else g.title_en) for g in geos])
    small = "".join(
        f"<option value='{v}'{' selected' if v == 'bridge' else ''}>{e(t['small_' + v])}</option>"
        for v in ("raise", "keep", "bridge")
    )
    body = f"""<!doctype html><html lang='{language}'><head><meta charset='utf-8'>
<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(t["title"])}</title>
<style>{_STYLE}</style></head><body>
<header><h1>{e(t["title"])}</h1><a href='/'>ortswissen</a> ·
<a href='/regions?lang={other}' lang='{other}'>{"English" if language == "de" else "Deutsch"}</a></header>
<main><p>{e(t["intro"])}</p>
<form id='spec'>
<label>{e(t["level"])}<select name='level'>{level_opts}</select></label>
<label>{e(t["date"])}<input name='date' type='date' value='{e(str(preset["date"]))}' required></label>
<label>{e(t["population"])}<select name='population'>{pop_opts}</select></label>
<label>{e(t["indicators"])}<input name='indicators'></label>
<label>{e(t["categories"])}<input name='categories' value='structure_type, building_decade'></label>
<label>{e(t["flows"])}<select name='flows' multiple size='3'>{flow_opts}</select></label>
<label>{e(t["nest"])}<select name='nest'>{nest_opts}</select></label>
<label>{e(t["tolerance"])}<input name='tolerance' type='number' min='0' max='500' value='40'></label>
<label>{e(t["target"])}<input name='target' type='number' min='1' value='7500' required></label>
<label>{e(t["floor"])}<input name='floor' type='number' min='0' value='2500'></label>
<label>{e(t["cap"])}<input name='cap' type='number' min='1' value='15000'></label>
<label>{e(t["small"])}<select name='small'>{small}</select></label>
<label>{e(t["compactness"])}<input name='compactness' type='number' min='0' step='0.1' value='0.2'></label>
<button type='button' class='secondary' id='preset-button'>{e(t["preset"])}</button>
<button type='submit'>{e(t["run"])}</button>
</form>
<p role='status' aria-live='polite'>{e(t["status"])}: <span id='status'></span>
<progress id='progress' max='1' value='0'></progress></p>
<div class='results'><section><h2>{e(t["metrics"])}</h2>
<table id='metrics'><thead><tr><th scope='col'>{e(t["measure"])}</th><th scope='col'>{e(t["value"])}</th></tr></thead>
<tbody></tbody></table><h2>{e(t["problems"])}</h2><ul id='problems'></ul>
<a id='download' download='quartiere.csv' hidden>{e(t["download"])}</a></section>
<section><h2>{e(t["map"])}</h2><canvas id='map' width='900' height='700' role='img'
aria-label='{e(t["map"])}'></canvas></section></div>
<script type='application/json' id='texts'>{json.dumps(t)}</script>
<script type='application/json' id='preset'>{json.dumps(preset, default=str)}</script>
<script>{_SCRIPT}</script></main></body></html>"""
    return HTMLResponse(body)

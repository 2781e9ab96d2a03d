"use strict";
/* convcost report: draws the network graph (dagre layout, SVG) from the embedded data and
   links it with the layer table (selection, sorting, filtering). Plain ES2020, no modules. */
(function () {
  const t0 = performance.now();
  const dataEl = document.getElementById("convcost-data");
  const graphEl = document.getElementById("graph");
  if (!dataEl || !graphEl || typeof dagre === "undefined") return;

  const D = JSON.parse(dataEl.textContent);
  const A = D.analyze;
  const L = A.layers;
  const N = D.nodes;
  const notes = D.notes;
  const NL = L.length;
  const NN = N.length;
  const MAX_VISIBLE = 1500;
  const QUICK_ORDER = 80; // views with more nodes than this skip dagre's crossing minimisation
  const SVGNS = "http://www.w3.org/2000/svg";
  const INPUT = -2; // the input node's id in edges

  const $ = (id) => document.getElementById(id);
  const detailsEl = $("details");
  const metricEl = $("metric");
  const legendEl = $("legend");
  const controlsEl = $("graph-controls");
  const table = $("layers");
  const tbody = table ? table.tBodies[0] : null;
  const tableWrap = table ? table.closest(".table-wrap") : null;

  const esc = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const fmtInt = (n) => n.toLocaleString("en-US");

  // ---- the tree -------------------------------------------------------------------------
  const leafOf = new Int32Array(NL).fill(-1); // layer -> its leaf node
  const depth = new Int32Array(NN);
  for (let i = 0; i < NN; i++) {
    const n = N[i];
    if (n.layer >= 0) leafOf[n.layer] = i;
    depth[i] = n.parent >= 0 ? depth[n.parent] + 1 : 0;
  }
  const isBlock = (i) => N[i].children.length > 0;
  const consumers = Array.from({ length: NL }, () => []);
  for (let i = 0; i < NL; i++) {
    for (const s of notes[i].sources) if (s >= 0 && s < NL) consumers[s].push(i);
  }

  const open = new Uint8Array(NN);
  for (const i of D.opened) if (i >= 0 && i < NN) open[i] = 1;
  open[0] = 1;

  const metrics = D.metrics || [];
  let metric = metricEl && metricEl.value ? metricEl.value : metrics.length ? metrics[0].key : "macs";
  const metricLabel = (k) => (metrics.find((m) => m.key === k) || { label: k }).label;

  // ---- state -------------------------------------------------------------------------------
  let visible = []; // visible node ids, in tree order
  let owner = new Int32Array(NN); // node -> its visible ancestor-or-self (-1 if none)
  let clusters = []; // open non-root nodes with a box
  let edges = []; // [from, to] (from may be INPUT)
  let hasInput = false;
  let pos = new Map(); // id -> {x, y, w, h}
  let cbox = new Map(); // cluster id -> {x, y, w, h}
  let gw = 0;
  let gh = 0;
  let zoom = 1;
  let selected = -1;
  let marked = []; // rows marked selected / in-selection
  let match = null; // Uint8Array per layer when a filter is on
  let capNote = "";
  let svg = null;
  const nodeEls = new Map(); // id -> <g>

  function computeVisible() {
    visible = [];
    // depth-first, in children order
    const walk = (i) => {
      for (const c of N[i].children) {
        if (open[c] && isBlock(c)) walk(c);
        else visible.push(c);
      }
    };
    walk(0);
    const vis = new Uint8Array(NN);
    for (const v of visible) vis[v] = 1;
    owner = new Int32Array(NN).fill(-1);
    for (let i = 1; i < NN; i++) {
      const p = N[i].parent;
      owner[i] = p >= 0 && owner[p] >= 0 ? owner[p] : vis[i] ? i : -1;
    }
    const seen = new Set();
    edges = [];
    hasInput = false;
    for (let i = 0; i < NL; i++) {
      const b = owner[leafOf[i]];
      if (b < 0) continue;
      for (const s of notes[i].sources) {
        const a = s < 0 ? INPUT : owner[leafOf[s]];
        if (a === b || (a < 0 && a !== INPUT)) continue;
        const k = a + ">" + b;
        if (seen.has(k)) continue;
        seen.add(k);
        edges.push([a, b]);
        if (a === INPUT) hasInput = true;
      }
    }
  }

  // ---- measuring -----------------------------------------------------------------------
  const ctx = document.createElement("canvas").getContext("2d");
  const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  const widthCache = new Map();
  function textW(s, bold) {
    const k = (bold ? "b" : "n") + s;
    let w = widthCache.get(k);
    if (w === undefined) {
      ctx.font = (bold ? "600 12px " : "11px ") + FONT;
      w = ctx.measureText(s).width;
      widthCache.set(k, w);
    }
    return w;
  }
  const MAXW = 230;
  function clip(s, bold, room) {
    if (textW(s, bold) <= room) return s;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (textW("…" + s.slice(s.length - mid), bold) <= room) lo = mid;
      else hi = mid - 1;
    }
    return "…" + s.slice(s.length - lo);
  }
  function line2(i) {
    const n = N[i];
    if (n.layer >= 0) return L[n.layer].kind + " · " + notes[n.layer].out;
    return fmtInt(n.layers) + (n.layers === 1 ? " layer" : " layers");
  }
  const sizeCache = new Map();
  function nodeSize(i) {
    let s = sizeCache.get(i);
    if (s) return s;
    const n = N[i];
    let w = textW(n.label, true) + (isBlock(i) ? 22 : 0);
    w = Math.max(w, textW(line2(i), false));
    for (const m of metrics) if (n.t[m.key] !== undefined) w = Math.max(w, textW(n.t[m.key], false));
    s = { w: Math.ceil(Math.min(MAXW, Math.max(84, w + 20))), h: 52 };
    sizeCache.set(i, s);
    return s;
  }
  const inputText = Array.isArray(A.input) ? A.input.join("x") : String(A.input || "");

  // dagre's crossing minimisation is its slowest phase (long chains of dummy nodes); for
  // big views a depth-first order (what dagre starts from) is good enough and much faster.
  function quickOrder(g) {
    const byRank = [];
    const seen = new Set();
    const roots = g.nodes().filter((v) => !g.children(v).length && typeof g.node(v).rank === "number");
    roots.sort((a, b) => g.node(a).rank - g.node(b).rank);
    for (const r of roots) {
      if (seen.has(r)) continue;
      const stack = [r];
      while (stack.length) {
        const v = stack.pop();
        if (seen.has(v)) continue;
        seen.add(v);
        const rank = g.node(v).rank;
        (byRank[rank] || (byRank[rank] = [])).push(v);
        const s = g.successors(v) || [];
        for (let i = s.length - 1; i >= 0; i--) if (!seen.has(s[i])) stack.push(s[i]);
      }
    }
    for (const l of byRank) if (l) l.forEach((v, i) => { g.node(v).order = i; });
  }

  // ---- layout --------------------------------------------------------------------------
  function layout() {
    computeVisible();
    let maxOpenDepth = 0;
    for (let i = 1; i < NN; i++) if (open[i] && isBlock(i)) maxOpenDepth = Math.max(maxOpenDepth, depth[i]);
    const g = new dagre.graphlib.Graph({ multigraph: false, compound: false });
    g.setGraph({
      rankdir: "TB",
      nodesep: 22 + 8 * Math.min(maxOpenDepth, 4),
      ranksep: 30 + 14 * Math.min(maxOpenDepth, 4),
      marginx: 24 + 10 * maxOpenDepth,
      marginy: 24 + 22 * maxOpenDepth,
    });
    g.setDefaultEdgeLabel(() => ({}));
    if (hasInput) g.setNode("input", { width: Math.max(84, textW(inputText, false) + 24), height: 40 });
    for (const v of visible) {
      const s = nodeSize(v);
      g.setNode(String(v), { width: s.w, height: s.h });
    }
    for (const [a, b] of edges) g.setEdge(a === INPUT ? "input" : String(a), String(b));
    dagre.layout(g, visible.length > QUICK_ORDER ? { customOrder: quickOrder } : {});
    pos = new Map();
    const put = (id, key) => {
      const n = g.node(key);
      pos.set(id, { x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height });
    };
    if (hasInput) put(INPUT, "input");
    for (const v of visible) put(v, String(v));
    const pts = new Map();
    for (const e of g.edges()) {
      const a = e.v === "input" ? INPUT : +e.v;
      pts.set(a + ">" + e.w, g.edge(e).points);
    }
    // cluster boxes, children before parents (ids grow with depth)
    cbox = new Map();
    clusters = [];
    const pad = 8;
    const top = 20;
    const grow = (id, b) => {
      const c = cbox.get(id);
      if (!c) cbox.set(id, { x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 });
      else {
        c.x0 = Math.min(c.x0, b.x0);
        c.y0 = Math.min(c.y0, b.y0);
        c.x1 = Math.max(c.x1, b.x1);
        c.y1 = Math.max(c.y1, b.y1);
      }
    };
    for (const v of visible) {
      const p = pos.get(v);
      const par = N[v].parent;
      if (par > 0) grow(par, { x0: p.x, y0: p.y, x1: p.x + p.w, y1: p.y + p.h });
    }
    for (let i = NN - 1; i > 0; i--) {
      const c = cbox.get(i);
      if (!c) continue;
      c.x0 -= pad;
      c.x1 += pad;
      c.y0 -= top;
      c.y1 += pad;
      clusters.push(i);
      const par = N[i].parent;
      if (par > 0) grow(par, c);
    }
    clusters.reverse(); // parents first, so they are drawn beneath
    let x0 = 0;
    let y0 = 0;
    let x1 = g.graph().width || 0;
    let y1 = g.graph().height || 0;
    for (const c of cbox.values()) {
      x0 = Math.min(x0, c.x0 - 4);
      y0 = Math.min(y0, c.y0 - 4);
      x1 = Math.max(x1, c.x1 + 4);
      y1 = Math.max(y1, c.y1 + 4);
    }
    return { pts, x0, y0, x1, y1 };
  }

  // ---- colour --------------------------------------------------------------------------
  const STOPS = [
    [255, 246, 214], [254, 218, 140], [252, 170, 95], [240, 112, 74],
    [209, 61, 76], [150, 30, 86], [84, 16, 80],
  ];
  function ramp(t) {
    const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    const i = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - i;
    const a = STOPS[i];
    const b = STOPS[i + 1];
    return "rgb(" + [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)).join(",") + ")";
  }
  const GRADIENT = "linear-gradient(to right," + [0, 0.17, 0.33, 0.5, 0.67, 0.83, 1].map(ramp).join(",") + ")";

  function colour() {
    const vals = [];
    let lo = Infinity;
    let hi = -Infinity;
    let loId = -1;
    let hiId = -1;
    for (const v of visible) {
      const x = N[v].v[metric];
      if (typeof x === "number" && x > 0) {
        vals.push(x);
        if (x < lo) { lo = x; loId = v; }
        if (x > hi) { hi = x; hiId = v; }
      }
    }
    vals.sort((a, b) => b - a);
    const hot = vals.length ? vals[Math.max(0, Math.ceil(vals.length * 0.1) - 1)] : Infinity;
    const llo = Math.log(lo);
    const span = Math.log(hi) - llo;
    for (const v of visible) {
      const el = nodeEls.get(v);
      if (!el) continue;
      const x = N[v].v[metric];
      const shape = el.querySelector("rect.box");
      let t = -1;
      if (typeof x === "number" && x > 0) t = span > 0 ? (Math.log(x) - llo) / span : 1;
      if (t < 0) {
        shape.style.fill = "";
        el.classList.add("zero");
        el.classList.remove("dark");
      } else {
        shape.style.fill = ramp(t);
        el.classList.remove("zero");
        el.classList.toggle("dark", t > 0.62);
      }
      el.classList.toggle("hot", typeof x === "number" && x > 0 && x >= hot);
      const mt = el.querySelector("text.metric");
      if (mt) mt.textContent = N[v].t[metric] !== undefined ? N[v].t[metric] : "";
    }
    if (legendEl) {
      let h = "";
      if (loId >= 0) {
        h +=
          '<span class="legend-label">' + esc(metricLabel(metric)) + ", log scale:</span> " +
          '<span class="legend-min">' + esc(N[loId].t[metric]) + "</span>" +
          '<span class="legend-ramp" style="background:' + GRADIENT + '"></span>' +
          '<span class="legend-max">' + esc(N[hiId].t[metric]) + "</span>" +
          ' <span class="legend-key"><span class="swatch zero"></span>zero</span>' +
          ' <span class="legend-key"><span class="swatch hot"></span>top 10%</span>';
      } else {
        h += '<span class="legend-label">' + esc(metricLabel(metric)) + ": all zero</span>";
      }
      h += ' <span class="legend-count">' + fmtInt(visible.length) + " nodes shown</span>";
      if (capNote) h += ' <span class="legend-note">' + esc(capNote) + "</span>";
      legendEl.innerHTML = h;
    }
  }

  // ---- drawing -------------------------------------------------------------------------
  function curve(p) {
    if (!p || !p.length) return "";
    let d = "M" + p[0].x.toFixed(1) + "," + p[0].y.toFixed(1);
    if (p.length === 2) return d + "L" + p[1].x.toFixed(1) + "," + p[1].y.toFixed(1);
    for (let i = 1; i < p.length - 1; i++) {
      const mx = (p[i].x + p[i + 1].x) / 2;
      const my = (p[i].y + p[i + 1].y) / 2;
      const end = i === p.length - 2 ? p[i + 1] : { x: mx, y: my };
      d += "Q" + p[i].x.toFixed(1) + "," + p[i].y.toFixed(1) + " " + end.x.toFixed(1) + "," + end.y.toFixed(1);
    }
    return d;
  }

  function nodeSvg(v) {
    const n = N[v];
    const p = pos.get(v);
    const block = isBlock(v);
    const leaf = n.layer >= 0;
    const room = p.w - 16 - (block ? 20 : 0);
    const cls = "node " + (block ? "block" : "layer");
    const title = n.path + (leaf ? " (" + L[n.layer].kind + ")" : " — " + fmtInt(n.layers) + " layers") +
      metrics.map((m) => (n.t[m.key] !== undefined ? "\n" + m.label + ": " + n.t[m.key] : "")).join("");
    let s =
      '<g class="' + cls + '" data-path="' + esc(n.path) + '" data-node="' + v + '"' +
      (leaf ? ' data-index="' + n.layer + '"' : "") +
      ' transform="translate(' + p.x.toFixed(1) + "," + p.y.toFixed(1) + ')" tabindex="0" role="button"' +
      ' aria-label="' + esc(n.path) + '"><title>' + esc(title) + "</title>";
    if (block) s += '<rect class="stack" x="4" y="4" width="' + p.w + '" height="' + p.h + '" rx="6"/>';
    s += '<rect class="box" width="' + p.w + '" height="' + p.h + '" rx="6"/>';
    s += '<text class="label" x="8" y="16">' + esc(clip(n.label, true, room)) + "</text>";
    s += '<text class="sub" x="8" y="30">' + esc(clip(line2(v), false, p.w - 16)) + "</text>";
    s += '<text class="metric" x="8" y="44">' + esc(n.t[metric] !== undefined ? n.t[metric] : "") + "</text>";
    if (block) {
      s += '<g class="toggle open-btn" transform="translate(' + (p.w - 19) + ',4)"><title>open ' + esc(n.path) +
        '</title><rect width="15" height="15" rx="3"/><path d="M4,7.5H11M7.5,4V11"/></g>';
    }
    return s + "</g>";
  }

  function clusterSvg(c) {
    const b = cbox.get(c);
    const n = N[c];
    const w = b.x1 - b.x0;
    const room = w - 30;
    return (
      '<g class="cluster" data-node="' + c + '" data-path="' + esc(n.path) + '" transform="translate(' +
      b.x0.toFixed(1) + "," + b.y0.toFixed(1) + ')"><rect class="cbox" width="' + w.toFixed(1) + '" height="' +
      (b.y1 - b.y0).toFixed(1) + '" rx="8"/>' +
      '<g class="toggle close-btn" transform="translate(4,3)"><title>close ' + esc(n.path) +
      '</title><rect width="13" height="13" rx="3"/><path d="M3.5,6.5H9.5"/></g>' +
      '<text class="clabel" x="22" y="13">' + esc(clip(n.path, false, room)) + "<title>" + esc(n.path) + " (" +
      fmtInt(n.layers) + " layers)</title></text></g>"
    );
  }

  function draw(focus) {
    const lay = layout();
    gw = lay.x1 - lay.x0;
    gh = lay.y1 - lay.y0;
    let s =
      '<svg xmlns="' + SVGNS + '" id="graph-svg" role="img" aria-label="network graph" viewBox="' +
      lay.x0.toFixed(1) + " " + lay.y0.toFixed(1) + " " + gw.toFixed(1) + " " + gh.toFixed(1) + '">' +
      '<defs><marker id="cc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"' +
      ' markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1L9,5L0,9z"/></marker>' +
      '<marker id="cc-arrow-hl" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8"' +
      ' markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1L9,5L0,9z"/></marker></defs>';
    s += '<g class="clusters">' + clusters.map(clusterSvg).join("") + "</g>";
    s += '<g class="edges">';
    for (const [a, b] of edges) {
      const d = curve(lay.pts.get(a + ">" + b));
      s += '<path class="edge" data-from="' + a + '" data-to="' + b + '" d="' + d + '" marker-end="url(#cc-arrow)"/>';
    }
    s += '</g><g class="nodes">';
    if (hasInput) {
      const p = pos.get(INPUT);
      s +=
        '<g class="node input" data-path="" transform="translate(' + p.x.toFixed(1) + "," + p.y.toFixed(1) +
        ')"><title>network input (H x W x C)</title><rect class="box" width="' + p.w + '" height="' + p.h +
        '" rx="' + p.h / 2 + '"/><text class="label" x="' + p.w / 2 + '" y="17" text-anchor="middle">input</text>' +
        '<text class="sub" x="' + p.w / 2 + '" y="31" text-anchor="middle">' + esc(inputText) + "</text></g>";
    }
    for (const v of visible) s += nodeSvg(v);
    s += "</g></svg>";
    graphEl.innerHTML = s;
    svg = graphEl.firstElementChild;
    nodeEls.clear();
    for (const el of svg.querySelectorAll("g.node[data-node]")) nodeEls.set(+el.dataset.node, el);
    applyZoom();
    colour();
    applyFilterToGraph();
    markSelected(false);
    if (selected >= 0 && isBlock(selected) && detailsEl) showDetails(selected);
    if (focus !== undefined && focus !== null) scrollToNode(focus);
  }

  function applyZoom() {
    if (!svg) return;
    svg.setAttribute("width", (gw * zoom).toFixed(0));
    svg.setAttribute("height", (gh * zoom).toFixed(0));
    const zl = $("zoom-level");
    if (zl) zl.textContent = Math.round(zoom * 100) + "%";
  }

  function boxOf(id) {
    const p = pos.get(id);
    if (p) return p;
    const c = cbox.get(id);
    if (c) return { x: c.x0, y: c.y0, w: c.x1 - c.x0, h: c.y1 - c.y0 };
    return null;
  }

  function scrollToNode(id) {
    const b = boxOf(id);
    if (!b || !svg) return;
    const vb = svg.viewBox.baseVal;
    const cx = (b.x - vb.x + Math.min(b.w, graphEl.clientWidth / zoom) / 2) * zoom;
    const cy = (b.y - vb.y + Math.min(b.h, graphEl.clientHeight / zoom) / 2) * zoom;
    graphEl.scrollLeft = Math.max(0, cx - graphEl.clientWidth / 2);
    graphEl.scrollTop = Math.max(0, cy - graphEl.clientHeight / 2);
  }

  // ---- opening and closing -------------------------------------------------------------
  function openNode(i) {
    if (!isBlock(i) || open[i]) return;
    open[i] = 1;
    capNote = "";
    draw(i);
  }
  function closeNode(i) {
    if (!open[i] || i === 0) return;
    open[i] = 0;
    capNote = "";
    draw(i);
  }
  function openAll() {
    let count = 0;
    for (;;) {
      computeVisible();
      count = visible.length;
      const frontier = visible.filter((v) => isBlock(v));
      if (!frontier.length) {
        capNote = "";
        break;
      }
      let grown = count;
      let opened = 0;
      for (const v of frontier) {
        const more = N[v].children.length - 1;
        if (grown + more > MAX_VISIBLE) continue;
        grown += more;
        open[v] = 1;
        opened++;
      }
      if (opened < frontier.length) {
        capNote = "Opened level by level up to " + fmtInt(MAX_VISIBLE) + " nodes; " +
          fmtInt(frontier.length - opened) + " blocks stay closed (double-click one to open it).";
        if (!opened) break;
      }
    }
    draw(selected >= 0 ? visibleFor(selected) : undefined);
  }
  function closeAll() {
    open.fill(0);
    open[0] = 1;
    capNote = "";
    draw(selected >= 0 ? visibleFor(selected) : undefined);
  }
  function visibleFor(i) {
    // the node itself if drawn, the cluster if open, else its visible ancestor
    if (pos.has(i) || cbox.has(i)) return i;
    let a = i;
    while (a > 0 && owner[a] < 0) a = N[a].parent;
    return owner[a] >= 0 ? owner[a] : undefined;
  }
  function reveal(i) {
    // open the ancestors of node i; true if something changed
    let changed = false;
    for (let p = N[i].parent; p > 0; p = N[p].parent) {
      if (!open[p]) {
        open[p] = 1;
        changed = true;
      }
    }
    return changed;
  }

  // ---- selection -----------------------------------------------------------------------
  function markSelected(scrollGraph) {
    if (!svg) return;
    for (const el of svg.querySelectorAll(".selected, .contains-selected")) {
      el.classList.remove("selected", "contains-selected");
    }
    for (const el of svg.querySelectorAll("path.edge.hl")) {
      el.classList.remove("hl");
      el.setAttribute("marker-end", "url(#cc-arrow)");
    }
    if (selected < 0) return;
    let target = -1;
    const el = nodeEls.get(selected);
    if (el) {
      el.classList.add("selected");
      target = selected;
    } else if (cbox.has(selected)) {
      const c = svg.querySelector('g.cluster[data-node="' + selected + '"]');
      if (c) c.classList.add("selected");
      target = selected;
    } else {
      const v = visibleFor(selected);
      if (v !== undefined && nodeEls.get(v)) {
        nodeEls.get(v).classList.add("contains-selected");
        target = v;
      }
    }
    if (target >= 0 && pos.has(target)) {
      for (const e of svg.querySelectorAll('path.edge[data-from="' + target + '"], path.edge[data-to="' + target + '"]')) {
        e.classList.add("hl");
        e.setAttribute("marker-end", "url(#cc-arrow-hl)");
      }
    }
    if (scrollGraph && target >= 0) {
      const b = boxOf(target);
      const vb = svg.viewBox.baseVal;
      const x0 = (b.x - vb.x) * zoom;
      const y0 = (b.y - vb.y) * zoom;
      const inView =
        x0 >= graphEl.scrollLeft && y0 >= graphEl.scrollTop &&
        x0 + b.w * zoom <= graphEl.scrollLeft + graphEl.clientWidth &&
        y0 + b.h * zoom <= graphEl.scrollTop + graphEl.clientHeight;
      if (!inView) scrollToNode(target);
    }
  }

  function scrollRow(row) {
    if (!row || !tableWrap) return;
    if (tableWrap.scrollHeight > tableWrap.clientHeight + 1) {
      const wr = tableWrap.getBoundingClientRect();
      const rr = row.getBoundingClientRect();
      const head = table.tHead ? table.tHead.getBoundingClientRect().height : 0;
      if (rr.top < wr.top + head || rr.bottom > wr.bottom) {
        tableWrap.scrollTop += rr.top - wr.top - head - (wr.height - head) / 3;
      }
    } else {
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function markRows(i, scroll) {
    for (const r of marked) r.classList.remove("selected", "in-selection");
    marked = [];
    if (i < 0 || !rows.length) return;
    const n = N[i];
    if (n.layer >= 0) {
      const r = rows[n.layer];
      if (r) {
        r.classList.add("selected");
        r.hidden = false; // past the rows shown at first, or filtered out
        marked.push(r);
        if (scroll) scrollRow(r);
      }
    } else {
      for (let k = n.first; k <= n.last && k < rows.length; k++) {
        const r = rows[k];
        if (!r) continue;
        r.classList.add("in-selection");
        marked.push(r);
      }
      if (scroll) {
        // the first row as the table is ordered now, among the shown ones
        let best = null;
        for (const r of marked) {
          if (r.hidden) continue;
          if (!best || r.rowIndex < best.rowIndex) best = r;
        }
        scrollRow(best || marked[0]);
      }
    }
  }

  function select(i, opts) {
    const o = opts || {};
    if (i < 0 || i >= NN) return;
    selected = i;
    document.body.dataset.selected = N[i].path;
    if (o.reveal && reveal(i)) draw(i);
    markSelected(o.scrollGraph !== false);
    markRows(i, o.scrollTable !== false);
    showDetails(i);
  }

  function selectLayer(k, fromTable) {
    const leaf = leafOf[k];
    if (leaf < 0) return;
    select(leaf, { reveal: true, scrollTable: !fromTable });
    if (fromTable) {
      const area = $("graph-area");
      if (area) {
        const r = area.getBoundingClientRect();
        if (r.bottom < 40 || r.top > window.innerHeight - 40) area.scrollIntoView({ block: "nearest" });
      }
    }
  }

  // ---- details -------------------------------------------------------------------------
  const layerLink = (k) =>
    k < 0
      ? '<span class="io-input">network input (' + esc(inputText) + ")</span>"
      : '<a href="#" class="layer-link" data-layer="' + k + '">' + esc(L[k].path) + "</a> <span class=\"muted\">" +
        esc(notes[k].out) + "</span>";

  function showDetails(i) {
    if (!detailsEl) return;
    const n = N[i];
    let h = "";
    if (n.layer >= 0) {
      const k = n.layer;
      const x = L[k];
      const t = notes[k];
      h += '<h3 class="d-title"><span class="d-kind">' + esc(x.kind) + "</span> " + esc(x.path) + "</h3>";
      h += '<dl class="d-facts">';
      h += "<dt>layer</dt><dd>#" + fmtInt(k + 1) + " of " + fmtInt(NL) + "</dd>";
      h += "<dt>torch</dt><dd><code>" + esc(t.torch || x.torch || "") + "</code></dd>";
      h += "<dt>category</dt><dd>" + esc(t.category) + "</dd>";
      h += "<dt>shape</dt><dd>" + esc(t.in) + " → " + esc(t.out) + "</dd>";
      if (x.bound) h += "<dt>bound</dt><dd>" + esc(x.bound) + "</dd>";
      h += "</dl>";
      h += '<h4>Costs</h4><table class="d-costs"><tbody>';
      D.costs.forEach((name, j) => {
        const c = t.costs[j] || ["", ""];
        h += "<tr><th scope=\"row\">" + esc(name) + '</th><td class="num">' + esc(c[0]) + '</td><td class="short">' +
          (c[1] && c[1] !== c[0] ? esc(c[1]) : "") + "</td></tr>";
      });
      h += "</tbody></table>";
      const sym = D.formulas[x.kind] || [];
      if (sym.length || t.formula.length) {
        h += '<h4>Formula</h4><ol class="d-formula">';
        const m = Math.max(sym.length, t.formula.length);
        for (let j = 0; j < m; j++) {
          const f = t.formula[j] || ["", ""];
          h += "<li>";
          if (sym[j]) h += '<code class="sym">' + esc(sym[j]) + "</code>";
          if (f[0]) h += '<code class="nums">' + esc(f[0]) + "</code>";
          if (f[1]) h += '<span class="count">' + esc(f[1]) + "</span>";
          h += "</li>";
        }
        h += "</ol>";
      }
      h += "<h4>Where</h4><p class=\"d-where\">" + esc(t.where || "") + "</p>";
      if (t.source) h += '<pre class="d-source"><code>' + esc(t.source) + "</code></pre>";
      if (t.findings && t.findings.length) {
        h += '<h4>Findings</h4><ul class="d-findings">';
        for (const f of t.findings) {
          const g = D.findings[f];
          if (!g) continue;
          h += '<li><strong>' + esc(g.guideline) + "</strong> " + esc(g.detail) +
            (g.saving ? '<br><span class="saving">' + esc(g.saving) + "</span>" : "") + "</li>";
        }
        h += "</ul>";
      }
      h += '<h4>Inputs</h4><ul class="d-io">' + (t.sources.length ? t.sources.map((s) => "<li>" + layerLink(s) + "</li>").join("") : "<li class=\"muted\">none</li>") + "</ul>";
      h += '<h4>Outputs</h4><ul class="d-io">' + (consumers[k].length ? consumers[k].map((s) => "<li>" + layerLink(s) + "</li>").join("") : '<li class="muted">none (network output)</li>') + "</ul>";
    } else {
      const run = /\[\d+-\d+\]$/.test(n.path);
      h += '<h3 class="d-title"><span class="d-kind">' + (run ? "run" : i === 0 ? "network" : "block") + "</span> " +
        esc(n.path || n.label) + "</h3>";
      h += '<dl class="d-facts"><dt>layers</dt><dd>' + fmtInt(n.layers) + " (#" + fmtInt(n.first + 1) + " – #" +
        fmtInt(n.last + 1) + ")</dd><dt>children</dt><dd>" + fmtInt(n.children.length) + "</dd></dl>";
      h += '<h4>Totals</h4><table class="d-costs"><tbody>';
      for (const m of metrics) {
        if (n.t[m.key] === undefined) continue;
        h += '<tr><th scope="row">' + esc(m.label) + '</th><td class="num">' + esc(n.t[m.key]) + "</td></tr>";
      }
      h += "</tbody></table>";
      if (i > 0) {
        h += '<p class="d-actions">' + (open[i]
          ? '<button type="button" class="d-close" data-node="' + i + '">close</button>'
          : '<button type="button" class="d-open" data-node="' + i + '">open</button>') + "</p>";
      }
      // heaviest layers inside, by the selected metric
      const top = [];
      for (let k = n.first; k <= n.last; k++) {
        const v = N[leafOf[k]] ? N[leafOf[k]].v[metric] : 0;
        if (!(v > 0)) continue;
        if (top.length < 5 || v > top[top.length - 1][1]) {
          top.push([k, v]);
          top.sort((a, b) => b[1] - a[1]);
          if (top.length > 5) top.pop();
        }
      }
      if (top.length) {
        h += "<h4>Heaviest layers by " + esc(metricLabel(metric)) + '</h4><ol class="d-io">';
        for (const [k] of top) {
          h += '<li><a href="#" class="layer-link" data-layer="' + k + '">' + esc(L[k].path) + '</a> <span class="muted">' +
            esc(N[leafOf[k]].t[metric]) + "</span></li>";
        }
        h += "</ol>";
      }
    }
    detailsEl.innerHTML = h;
    detailsEl.scrollTop = 0;
  }

  // ---- the table -----------------------------------------------------------------------
  const rows = [];
  if (tbody) {
    for (const r of tbody.rows) {
      const k = +r.dataset.index;
      if (k >= 0 && k < NL) rows[k] = r;
    }
  }
  const hay = L.map((x, k) => (x.path + "\n" + x.kind + "\n" + (notes[k].category || "") + "\n" + (x.category || "")).toLowerCase());
  let sortKey = "index";
  let sortDir = 1;
  const TEXT_KEYS = new Set(["path", "kind", "category", "bound"]);

  function sortBy(key, th) {
    if (!tbody) return;
    if (key === sortKey) sortDir = -sortDir;
    else {
      sortKey = key;
      sortDir = TEXT_KEYS.has(key) || key === "index" || key === "line" ? 1 : -1;
    }
    const order = Array.from({ length: NL }, (_, k) => k);
    let val;
    if (key === "index") val = (k) => k;
    else if (key === "category") val = (k) => (notes[k].category || "").toLowerCase();
    else if (TEXT_KEYS.has(key)) val = (k) => String(L[k][key] === undefined || L[k][key] === null ? "" : L[k][key]).toLowerCase();
    else if (key === "intensity") val = (k) => (L[k].mem_access_bytes ? L[k].macs / L[k].mem_access_bytes : 0);
    else val = (k) => {
      const v = L[k][key];
      return typeof v === "number" ? v : -Infinity;
    };
    const vals = order.map(val);
    const dir = sortDir;
    order.sort((a, b) => {
      const x = vals[a];
      const y = vals[b];
      if (x < y) return -dir;
      if (x > y) return dir;
      return a - b;
    });
    const frag = document.createDocumentFragment();
    order.forEach((k, j) => {
      place[k] = j;
      if (rows[k]) frag.appendChild(rows[k]);
    });
    tbody.appendChild(frag);
    if (!showAll) refreshRows();
    for (const h of table.tHead.querySelectorAll("th[data-key]")) {
      const arrow = h.querySelector(".sort-arrow");
      if (h === th) {
        h.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        if (arrow) arrow.textContent = dir > 0 ? "▲" : "▼";
      } else {
        h.removeAttribute("aria-sort");
        if (arrow) arrow.textContent = "";
      }
    }
  }

  const filterEl = $("filter");
  const countEl = $("filter-count");
  const showAllEl = $("show-all-rows");
  let filterTimer = 0;
  // A big table shows its first ROWS_SHOWN rows (in the current order) until "show all"; a
  // filter shows every match, and a selected row is always shown.
  const ROWS_SHOWN = 1000;
  let showAll = NL <= ROWS_SHOWN;
  const place = Array.from({ length: NL }, (_, k) => k); // each row's place in the current order
  function refreshRows() {
    let shown = 0;
    for (let k = 0; k < NL; k++) {
      const r = rows[k];
      const want = match ? !!match[k] : showAll || place[k] < ROWS_SHOWN;
      if (want) shown++;
      const hide = !want && !(r && r.classList.contains("selected"));
      if (r && r.hidden !== hide) r.hidden = hide;
    }
    if (showAllEl) showAllEl.hidden = showAll || !!match;
    if (!countEl) return;
    if (match) countEl.textContent = fmtInt(shown) + " of " + fmtInt(NL) + " layers";
    else if (shown < NL) countEl.textContent = "the first " + fmtInt(shown) + " of " + fmtInt(NL) + " layers";
    else countEl.textContent = fmtInt(NL) + " layers";
  }
  function applyFilter() {
    const q = filterEl ? filterEl.value.trim().toLowerCase() : "";
    if (!q) match = null;
    else {
      match = new Uint8Array(NL);
      for (let k = 0; k < NL; k++) if (hay[k].includes(q)) match[k] = 1;
    }
    refreshRows();
    document.body.classList.toggle("filtering", !!q);
    applyFilterToGraph();
  }
  function applyFilterToGraph() {
    if (!svg) return;
    if (!match) {
      for (const el of nodeEls.values()) el.classList.remove("dim");
      return;
    }
    const hit = new Set();
    for (let k = 0; k < NL; k++) if (match[k]) hit.add(owner[leafOf[k]]);
    for (const [id, el] of nodeEls) el.classList.toggle("dim", !hit.has(id));
  }

  // ---- controls and events -------------------------------------------------------------
  function setZoom(z, cx, cy) {
    const nz = Math.max(0.1, Math.min(3, z));
    if (!svg || nz === zoom) return;
    const px = cx === undefined ? graphEl.clientWidth / 2 : cx;
    const py = cy === undefined ? graphEl.clientHeight / 2 : cy;
    const gx = (graphEl.scrollLeft + px) / zoom;
    const gy = (graphEl.scrollTop + py) / zoom;
    zoom = nz;
    applyZoom();
    graphEl.scrollLeft = gx * zoom - px;
    graphEl.scrollTop = gy * zoom - py;
  }
  function fit() {
    if (!svg || !gw || !gh) return;
    const z = Math.min(graphEl.clientWidth / gw, graphEl.clientHeight / gh, 1);
    setZoom(Math.max(0.1, z * 0.98));
  }

  if (controlsEl) {
    const zoomBox = document.createElement("span");
    zoomBox.className = "zoom";
    zoomBox.innerHTML =
      '<button type="button" id="zoom-out" title="zoom out (ctrl + wheel)" aria-label="zoom out">−</button>' +
      '<span id="zoom-level">100%</span>' +
      '<button type="button" id="zoom-in" title="zoom in (ctrl + wheel)" aria-label="zoom in">+</button>' +
      '<button type="button" id="zoom-fit" title="fit the whole graph">fit</button>' +
      '<button type="button" id="zoom-reset" title="actual size">1:1</button>';
    const legend = $("legend");
    controlsEl.insertBefore(zoomBox, legend);
    $("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
    $("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
    $("zoom-fit").addEventListener("click", fit);
    $("zoom-reset").addEventListener("click", () => setZoom(1));
  }
  const openAllEl = $("open-all");
  const closeAllEl = $("close-all");
  if (openAllEl) openAllEl.addEventListener("click", openAll);
  if (closeAllEl) closeAllEl.addEventListener("click", closeAll);
  if (metricEl) {
    metricEl.addEventListener("change", () => {
      metric = metricEl.value;
      colour();
      if (selected >= 0 && !(N[selected].layer >= 0)) showDetails(selected);
    });
  }

  graphEl.addEventListener(
    "wheel",
    (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const r = graphEl.getBoundingClientRect();
      setZoom(zoom * Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    },
    { passive: false }
  );

  // pan by dragging the background
  let drag = null;
  graphEl.addEventListener("mousedown", (e) => {
    if (e.button !== 0 || e.target.closest("g.node, g.toggle")) return;
    drag = { x: e.clientX, y: e.clientY, l: graphEl.scrollLeft, t: graphEl.scrollTop, moved: false };
  });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      graphEl.classList.add("panning");
    }
    graphEl.scrollLeft = drag.l - dx;
    graphEl.scrollTop = drag.t - dy;
  });
  window.addEventListener("mouseup", () => {
    drag = null;
    graphEl.classList.remove("panning");
  });

  graphEl.addEventListener("click", (e) => {
    const t = e.target;
    const ob = t.closest("g.open-btn");
    if (ob) {
      const g = ob.closest("g.node");
      select(+g.dataset.node, { scrollGraph: false });
      openNode(+g.dataset.node);
      return;
    }
    const cb = t.closest("g.close-btn");
    if (cb) {
      const c = +cb.closest("g.cluster").dataset.node;
      closeNode(c);
      select(c, { scrollGraph: true });
      return;
    }
    const g = t.closest("g.node[data-node]");
    if (g) {
      select(+g.dataset.node, { scrollGraph: false });
      return;
    }
    const cl = t.closest("text.clabel");
    if (cl) select(+cl.closest("g.cluster").dataset.node, { scrollGraph: false });
  });
  graphEl.addEventListener("dblclick", (e) => {
    const g = e.target.closest("g.node.block[data-node]");
    if (g) {
      e.preventDefault();
      openNode(+g.dataset.node);
    }
  });
  graphEl.addEventListener("keydown", (e) => {
    const g = e.target.closest && e.target.closest("g.node[data-node]");
    if (!g) return;
    const i = +g.dataset.node;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (selected === i && isBlock(i)) openNode(i);
      else select(i, { scrollGraph: false });
    } else if (e.key === "+" && isBlock(i)) {
      openNode(i);
    }
  });

  if (detailsEl) {
    detailsEl.addEventListener("click", (e) => {
      const a = e.target.closest("a.layer-link");
      if (a) {
        e.preventDefault();
        selectLayer(+a.dataset.layer, false);
        return;
      }
      const b = e.target.closest("button.d-open, button.d-close");
      if (b) {
        (b.classList.contains("d-open") ? openNode : closeNode)(+b.dataset.node);
        showDetails(+b.dataset.node);
        markSelected(false);
      }
    });
  }

  if (tbody) {
    tbody.addEventListener("click", (e) => {
      const r = e.target.closest("tr[data-index]");
      if (!r || !tbody.contains(r)) return;
      selectLayer(+r.dataset.index, true);
      markRows(selected, false);
    });
  }
  if (table && table.tHead) {
    for (const th of table.tHead.querySelectorAll("th[data-key]")) {
      if (th.dataset.sort === "none") continue;
      th.classList.add("sortable");
      th.tabIndex = 0;
      const arrow = document.createElement("span");
      arrow.className = "sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      th.appendChild(arrow);
      th.addEventListener("click", () => sortBy(th.dataset.key, th));
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sortBy(th.dataset.key, th);
        }
      });
    }
  }
  if (filterEl) {
    filterEl.addEventListener("input", () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(applyFilter, 100);
    });
  }
  if (showAllEl) {
    showAllEl.addEventListener("click", () => {
      showAll = true;
      refreshRows();
    });
  }
  refreshRows();

  // ---- go ------------------------------------------------------------------------------
  draw();
  if (filterEl && filterEl.value) applyFilter();
  document.body.dataset.ready = "1";
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.scriptMs = String(Math.round(performance.now() - t0));
})();

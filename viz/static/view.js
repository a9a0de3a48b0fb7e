/* policykg network view: reads the JSON data block, draws it with vis-network.
 *
 * Document text is data: every label, tooltip and panel entry is set with textContent
 * (never innerHTML), tooltips are DOM elements, and the data block is parsed with
 * JSON.parse. Physics stabilises the layout, then is switched off (frozen).
 * window.policykgView exposes the state for tests (ready, drawn node count…).
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pkg-data").textContent);
  var api = { ready: false, frozen: false, nodeCount: data.nodes.length,
              edgeCount: data.edges.length, network: null };
  window.policykgView = api;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function infoRows(container, rows, limit) {
    var list = el("dl");
    rows.slice(0, limit || rows.length).forEach(function (row) {
      list.appendChild(el("dt", row[0]));
      list.appendChild(el("dd", row[1]));
    });
    container.appendChild(list);
  }
  function tooltip(title, rows) {
    var box = el("div", null, "pkg-tip");
    box.appendChild(el("strong", title));
    infoRows(box, rows.filter(function (r) { return r[0] !== "IRI"; }), 6);
    return box;
  }

  var kinds = {}, edgeKinds = {}, hiddenKinds = {}, selectedContract = "";
  data.kinds.forEach(function (k) { kinds[k.id] = k; });
  data.edgeKinds.forEach(function (k) { edgeKinds[k.id] = k; });
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  function sizeOf(n, measure) {
    var v = n.metrics[measure];
    return typeof v === "number" ? v : 0;
  }
  var sizeSelect = document.getElementById("pkg-size");
  data.sizeBy.forEach(function (m) {
    var option = el("option", m.label);
    option.value = m.id;
    sizeSelect.appendChild(option);
  });
  var measure = data.sizeBy.length ? data.sizeBy[0].id : null;

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var k = kinds[n.kind] || {};
    return {
      id: n.id, label: n.label, title: tooltip(n.full, n.info), shape: k.shape || "dot",
      color: { background: k.color, border: k.border || k.color,
               highlight: { background: k.color, border: "#000000" } },
      value: measure ? sizeOf(n, measure) : 1
    };
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    var k = edgeKinds[e.kind] || {};
    var item = {
      id: i, from: e.from, to: e.to, color: { color: k.color, opacity: 0.7 },
      dashes: !!k.dashes, title: tooltip(k.label || e.kind, e.info)
    };
    if (e.arrows) { item.arrows = e.arrows; }
    if (typeof e.value === "number") { item.value = e.value; }
    return item;
  }));

  function nodeVisible(id) {
    var n = byId[id];
    if (!n || hiddenKinds[n.kind]) { return false; }
    return !selectedContract || n.contracts.indexOf(selectedContract) >= 0;
  }
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return nodeVisible(n.id); } });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) { return nodeVisible(e.from) && nodeVisible(e.to); }
  });

  var big = data.nodes.length > 800;
  var options = {
    autoResize: true,
    layout: { randomSeed: 7, improvedLayout: data.nodes.length <= 150 },
    nodes: { shape: "dot", font: { size: 13, face: "sans-serif" },
             scaling: { min: 6, max: 42, label: { enabled: true, min: 11, max: 22,
                                                   drawThreshold: 7 } } },
    edges: { width: 1, scaling: { min: 1, max: 7 }, selectionWidth: 2,
             smooth: big ? false : { type: "continuous" } },
    physics: {
      enabled: true,
      solver: big ? "barnesHut" : "forceAtlas2Based",
      barnesHut: { gravitationalConstant: -6000, springLength: 120, avoidOverlap: 0.1 },
      forceAtlas2Based: { gravitationalConstant: -60, springLength: 110, avoidOverlap: 0.4 },
      stabilization: { enabled: true, iterations: big ? 250 : 600, updateInterval: 50,
                       fit: true },
      minVelocity: 1
    },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big,
                   hideEdgesOnZoom: data.nodes.length > 1500, navigationButtons: false,
                   keyboard: false, multiselect: false }
  };
  var container = document.getElementById("pkg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  api.network = network;
  api.drawnNodeCount = function () { return network.body.nodeIndices.length; };
  api.drawnEdgeCount = function () { return network.body.edgeIndices.length; };

  function freeze() {
    if (api.frozen) { return; }
    api.frozen = true;
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    network.once("afterDrawing", function () { api.ready = true; });
    network.redraw();
  }
  network.once("stabilizationIterationsDone", freeze);
  network.once("stabilized", freeze);
  if (data.nodes.length === 0) { freeze(); }
  var progress = document.getElementById("pkg-progress");
  network.on("stabilizationProgress", function (p) {
    progress.textContent = "Mise en place : " + Math.round(100 * p.iterations / p.total) + " %";
  });
  network.once("afterDrawing", function () { progress.textContent = ""; });

  // Side panel
  var panel = document.getElementById("pkg-panel");
  function showPanel(title, rows, subtitle) {
    panel.textContent = "";
    panel.appendChild(el("h2", title));
    if (subtitle) { panel.appendChild(el("p", subtitle, "pkg-sub")); }
    infoRows(panel, rows);
  }
  function showNode(id) {
    var n = byId[id];
    if (n) { showPanel(n.full, n.info, (kinds[n.kind] || {}).label); }
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showNode(params.nodes[0]); return; }
    if (params.edges.length) {
      var e = data.edges[params.edges[0]];
      var ends = byId[e.from].full + " — " + byId[e.to].full;
      showPanel((edgeKinds[e.kind] || {}).label || e.kind, e.info, ends);
      return;
    }
    panel.textContent = "";
    panel.appendChild(el("p", "Cliquer sur un nœud ou un lien pour le détail.", "pkg-sub"));
  });
  function focusNode(id) {
    if (!nodeVisible(id)) { return; }
    network.selectNodes([id]);
    network.focus(id, { scale: 1.2, animation: false });
    showNode(id);
  }

  // Search
  var search = document.getElementById("pkg-search");
  var results = document.getElementById("pkg-results");
  var index = data.nodes.map(function (n) { return [fold(n.full), n.id]; });
  function matches() {
    var q = fold(search.value.trim());
    if (!q) { return []; }
    return index.filter(function (p) { return p[0].indexOf(q) >= 0 && nodeVisible(p[1]); })
      .slice(0, 15).map(function (p) { return p[1]; });
  }
  search.addEventListener("input", function () {
    results.textContent = "";
    matches().forEach(function (id) {
      var item = el("li");
      var button = el("button", byId[id].full);
      button.type = "button";
      button.addEventListener("click", function () { focusNode(id); });
      item.appendChild(button);
      results.appendChild(item);
    });
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var found = matches();
      if (found.length) { focusNode(found[0]); }
      event.preventDefault();
    }
  });

  // Filters: contract, kinds (in the legend); size measure
  function refresh() {
    nodeView.refresh();
    edgeView.refresh();
  }
  var contractSelect = document.getElementById("pkg-contract");
  data.contracts.forEach(function (c) {
    var option = el("option", c.label);
    option.value = c.id;
    contractSelect.appendChild(option);
  });
  contractSelect.disabled = data.contracts.length < 2;
  contractSelect.addEventListener("change", function () {
    selectedContract = contractSelect.value;
    refresh();
  });
  sizeSelect.addEventListener("change", function () {
    measure = sizeSelect.value;
    nodes.update(data.nodes.map(function (n) { return { id: n.id, value: sizeOf(n, measure) }; }));
  });
  var legend = document.getElementById("pkg-legend");
  data.kinds.forEach(function (k) {
    var label = el("label", null, "pkg-kind");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", function () {
      hiddenKinds[k.id] = !box.checked;
      refresh();
    });
    var swatch = el("span", null, "pkg-swatch pkg-shape-" + (k.shape || "dot"));
    swatch.style.background = k.color;
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(el("span", k.label + " (" + k.count + ")"));
    legend.appendChild(label);
  });
  data.edgeKinds.forEach(function (k) {
    var item = el("span", null, "pkg-edge-kind");
    var line = el("span", null, "pkg-line" + (k.dashes ? " pkg-dashed" : ""));
    line.style.borderColor = k.color;
    item.appendChild(line);
    item.appendChild(el("span", k.label + " (" + k.count + ")"));
    legend.appendChild(item);
  });
}());

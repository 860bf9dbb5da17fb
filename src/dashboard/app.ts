// The dashboard page's style sheet and script, served as /assets/app.css and /assets/app.js (no
// inline script: the Content-Security-Policy allows 'self' only). Plain DOM, no framework. Every
// value from the database is put on the page with textContent or setAttribute, never as HTML.
// Views: `/` the flows list, `/flows/<flow_id>` one flow. Both follow the server's SSE streams.

export const APP_CSS = `
body { font: 14px system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #212121; background: #fafafa; }
header { background: #263238; color: #eceff1; padding: 8px 16px; display: flex; gap: 16px; align-items: baseline; }
header a.brand { color: #fff; font-weight: 600; text-decoration: none; font-size: 16px; }
header #session { color: #b0bec5; font-size: 12px; }
main { padding: 12px 16px; }
h1 { font-size: 18px; margin: 0 0 6px; font-weight: 600; word-break: break-all; }
h2 { font-size: 15px; margin: 14px 0 6px; font-weight: 600; }
.muted { color: #757575; }
.error { color: #c62828; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e0e0e0; font-size: 13px; vertical-align: middle; }
th { background: #eceff1; font-weight: 600; }
td.id { font-family: ui-monospace, monospace; font-size: 12px; }
.chip { display: inline-block; border: 1.5px solid #9e9e9e; border-radius: 4px; padding: 0 6px; font-size: 12px; background: #fff; }
.chip.flow-open { border-color: #1e88e5; background: #e3f2fd; }
.chip.flow-completed { border-color: #43a047; background: #e8f5e9; }
.chip.flow-failed { border-color: #e53935; background: #ffebee; }
.chip.flow-cancelled { border-color: #546e7a; background: #eceff1; }
.bar { display: flex; width: 160px; height: 10px; border: 1px solid #bdbdbd; border-radius: 3px; overflow: hidden; background: #fff; }
.bar span { display: block; height: 100%; border-right: 1px solid #fff; }
form.filters { display: flex; gap: 8px; margin-bottom: 10px; flex-wrap: wrap; align-items: center; }
input, select, button, textarea { font: inherit; font-size: 13px; }
button { border: 1px solid #90a4ae; background: #fff; border-radius: 4px; padding: 3px 10px; cursor: pointer; }
button.danger { border-color: #e53935; color: #c62828; }
.meta { color: #424242; margin-bottom: 6px; display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
.legend { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 8px; }
.actions { display: flex; gap: 8px; margin: 6px 0 10px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 12px; }
#graph { background: #fff; border: 1px solid #e0e0e0; height: 62vh; min-height: 320px; overflow: auto; position: relative; }
#graph svg { display: block; }
.node { cursor: pointer; }
.node rect { stroke-width: 2px; }
rect.node { stroke-width: 1.5px; }
.node text { font-size: 13px; fill: #212121; pointer-events: none; }
.node text.detail { font-size: 11px; fill: #616161; }
.node.selected rect, rect.node.selected { stroke: #6a1b9a !important; stroke-width: 4px; }
.edge { fill: none; stroke-width: 1.4px; }
.edge.edge-pending { stroke-dasharray: 5 4; }
.edgelabel { font-size: 11px; fill: #616161; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
#panel { background: #fff; border: 1px solid #e0e0e0; padding: 10px; height: 62vh; min-height: 320px; overflow: auto; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 6px 0; font-size: 13px; }
#panel dt { color: #616161; }
#panel dd { margin: 0; word-break: break-all; }
pre { background: #f5f5f5; padding: 6px; font-size: 12px; white-space: pre-wrap; word-break: break-all; max-height: 220px; overflow: auto; margin: 4px 0; }
#reason { font-weight: 500; margin: 6px 0; }
a.follow { cursor: pointer; color: #1565c0; text-decoration: underline; font-family: ui-monospace, monospace; font-size: 12px; }
#log { background: #fff; border: 1px solid #e0e0e0; max-height: 260px; overflow: auto; font-size: 12px; }
#log li { padding: 2px 8px; border-bottom: 1px solid #f0f0f0; list-style: none; display: grid; grid-template-columns: 170px 70px 200px 160px 1fr; gap: 8px; }
#log ul { margin: 0; padding: 0; }
#log .args { color: #616161; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.lod { font-size: 12px; color: #757575; margin-bottom: 4px; }
`;

export const APP_JS = String.raw`
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var main = document.getElementById('main');
  var session = { actions: {} };

  function el(tag, attrs, parent, text) {
    var node = document.createElement(tag);
    for (var k in (attrs || {})) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }
  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function api(path, init) {
    return fetch(path, Object.assign({ credentials: 'same-origin', headers: { Accept: 'application/json' } }, init || {}))
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error((body.error || r.status) + (body.detail ? ': ' + body.detail : ''));
          return body;
        });
      });
  }
  function post(path, body) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body || {}) });
  }
  function time(ms) { return ms === null || ms === undefined ? '—' : new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 23); }
  function duration(a, b) {
    if (a === null || a === undefined || b === null || b === undefined) return '—';
    var ms = Number(b) - Number(a);
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  }
  function json(value) { return value === null || value === undefined ? '(none)' : JSON.stringify(value, null, 2); }
  function short(id) { return id.slice(id.lastIndexOf(':') + 1).slice(0, 8); }
  function showError(where, error) { where.textContent = String(error && error.message || error); where.className = 'error'; }

  function showSession(live) {
    document.getElementById('session').textContent = 'login ' + session.login + (session.writer ? ' (writer)' : ' (read-only)') +
      ' · live updates: ' + (live === 'listen' ? 'LISTEN' : live === 'poll' ? 'polling every 500 ms' : 'starting');
  }
  function onReady(source) {
    source.addEventListener('ready', function (ev) { showSession(JSON.parse(ev.data).live); });
  }
  api('/api/session').then(function (s) {
    session = s;
    showSession(s.live);
    route();
  }).catch(function (e) { showError(main, e); });

  function route() {
    var m = /^\/flows\/([^/]+)$/.exec(location.pathname);
    if (m) flowView(decodeURIComponent(m[1])); else listView();
  }

  // ---- the flows list ---------------------------------------------------------------------------
  var STATES = ['waiting', 'waiting_children', 'active', 'completed', 'failed', 'cancelled', 'expired', 'skipped'];
  function listView() {
    var params = new URLSearchParams(location.search);
    main.textContent = '';
    el('h1', {}, main, 'Flows');
    var form = el('form', { 'class': 'filters', id: 'filters' }, main);
    var ns = el('input', { name: 'namespace', placeholder: 'namespace', value: params.get('namespace') || '' }, form);
    var state = el('select', { name: 'state' }, form);
    ['', 'open', 'completed', 'failed', 'cancelled'].forEach(function (s) {
      var o = el('option', { value: s }, state, s || 'any state');
      if (s === (params.get('state') || '')) o.selected = true;
    });
    var q = el('input', { name: 'q', placeholder: 'flow id starts with…', value: params.get('q') || '' }, form);
    el('button', { type: 'submit' }, form, 'Filter');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      if (ns.value) p.set('namespace', ns.value);
      if (state.value) p.set('state', state.value);
      if (q.value) p.set('q', q.value.trim().toLowerCase());
      history.pushState(null, '', '/' + (p.toString() ? '?' + p : ''));
      listView();
    });
    var status = el('div', { 'class': 'muted' }, main);
    var table = el('table', { id: 'flows' }, main);
    var head = el('tr', {}, el('thead', {}, table));
    ['flow', 'namespace', 'state', 'progress', 'members', 'created', 'started', 'finished'].forEach(function (t) { el('th', {}, head, t); });
    var body = el('tbody', {}, table);
    var more = el('div', { 'class': 'actions' }, main);
    var rows = new Map();
    var limit = 50;
    function matches(f) {
      if (params.get('namespace') && f.namespace !== params.get('namespace')) return false;
      if (params.get('state') && f.public_flow_state !== params.get('state')) return false;
      var prefix = (params.get('q') || '').replace(/-/g, '');
      return !prefix || f.flow_id.replace(/-/g, '').indexOf(prefix) === 0;
    }
    function render(f) {
      var tr = rows.get(f.flow_id);
      if (!tr) { tr = el('tr', { 'data-flow-id': f.flow_id }); rows.set(f.flow_id, tr); }
      tr.textContent = '';
      tr.setAttribute('data-flow-state', f.public_flow_state);
      var link = el('a', { href: '/flows/' + f.flow_id }, el('td', { 'class': 'id' }, tr), f.flow_id);
      link.addEventListener('click', function (ev) { ev.preventDefault(); history.pushState(null, '', link.getAttribute('href')); route(); });
      el('td', {}, tr, f.namespace);
      el('span', { 'class': 'chip flow-' + f.public_flow_state }, el('td', {}, tr), f.public_flow_state);
      var bar = el('div', { 'class': 'bar' }, el('td', {}, tr));
      var counts = f.member_states || {};
      var total = 0;
      for (var k in counts) total += counts[k];
      var text = [];
      STATES.forEach(function (s) {
        if (!counts[s]) return;
        el('span', { 'class': 'state-' + s, style: null, title: s + ' ' + counts[s] }, bar).style.width = (100 * counts[s] / total) + '%';
        text.push(s + ' ' + counts[s]);
      });
      el('td', { 'class': 'muted' }, tr, text.join(', ') || 'no members');
      el('td', {}, tr, time(f.created_at_ms));
      el('td', {}, tr, time(f.started_at_ms));
      el('td', {}, tr, time(f.terminal_at_ms));
      return tr;
    }
    function place(tr, id) {
      var after = null;
      rows.forEach(function (other, otherId) { if (otherId > id && other.parentNode === body && (!after || otherId < after[0])) after = [otherId, other]; });
      body.insertBefore(tr, after ? after[1] : null);
    }
    function load(after) {
      var p = new URLSearchParams(params);
      p.set('limit', String(limit));
      if (after) p.set('after', after);
      return api('/api/flows?' + p).then(function (page) {
        if (!after) { body.textContent = ''; rows.clear(); }
        page.flows.forEach(function (f) { body.appendChild(render(f)); });
        status.textContent = rows.size === 0 ? 'No flows match.' : '';
        more.textContent = '';
        if (page.next) el('button', { type: 'button', id: 'next' }, more, 'More').addEventListener('click', function () { load(page.next); });
      }).catch(function (e) { showError(status, e); });
    }
    load(null).then(function () {
      var events = new EventSource('/api/events' + (params.get('namespace') ? '?namespace=' + encodeURIComponent(params.get('namespace')) : ''));
      onReady(events);
      window.addEventListener('popstate', function () { events.close(); route(); }, { once: true });
      main.addEventListener('leave', function () { events.close(); }, { once: true });
      events.addEventListener('flows', function (ev) {
        JSON.parse(ev.data).flows.forEach(function (f) {
          if (rows.has(f.flow_id)) {
            if (matches(f)) render(f); else { rows.get(f.flow_id).remove(); rows.delete(f.flow_id); }
          } else if (matches(f) && rows.size < limit) {
            place(render(f), f.flow_id);
            status.textContent = '';
          }
        });
        document.body.setAttribute('data-live-updates', String(Number(document.body.getAttribute('data-live-updates') || 0) + 1));
      });
    });
  }

  // ---- one flow ---------------------------------------------------------------------------------
  function flowView(flowId) {
    main.dispatchEvent(new Event('leave'));
    main.textContent = '';
    var state = { nodes: new Map(), edges: new Map(), selected: null, log: new Set(), revision: null, flow: null };
    var head = el('div', { id: 'flow', 'data-flow-id': flowId }, main);
    el('h1', {}, head, 'flow ' + flowId);
    var meta = el('div', { 'class': 'meta', id: 'meta' }, head);
    var legend = el('div', { 'class': 'legend', id: 'legend' }, head);
    var actions = el('div', { 'class': 'actions', id: 'actions' }, head);
    var message = el('div', { 'class': 'error', id: 'message' }, head);
    var layout = el('div', { 'class': 'layout' }, main);
    var graph = el('div', { id: 'graph' }, layout);
    var panel = el('aside', { id: 'panel' }, layout);
    graph.addEventListener('click', function (ev) {
      var target = ev.target.closest ? ev.target.closest('[data-execution-id]') : null;
      if (target) select(target.getAttribute('data-execution-id'));
    });
    el('p', { 'class': 'muted' }, panel, 'Click a node to see why it is where it is, its payload and result.');
    el('h2', {}, main, 'Log');
    var logList = el('ul', {}, el('div', { id: 'log' }, main));
    var events;

    function showFlow(f, counts) {
      state.flow = f;
      head.setAttribute('data-flow-state', f.public_flow_state);
      meta.textContent = '';
      el('span', { 'class': 'chip flow-' + f.public_flow_state, id: 'flow-state' }, meta, f.public_flow_state);
      el('span', {}, meta, 'namespace ' + f.namespace);
      el('span', {}, meta, 'graph_revision ' + f.graph_revision);
      el('span', {}, meta, f.node_count + ' nodes' + (f.edge_count !== undefined ? ', ' + f.edge_count + ' edges' : ''));
      el('span', { 'class': 'muted' }, meta, 'created ' + time(f.created_at_ms) + ' · started ' + time(f.started_at_ms) + ' · finished ' + time(f.terminal_at_ms));
      if (f.cancel_reason) el('span', { 'class': 'muted' }, meta, 'cancelled: ' + f.cancel_reason);
      legend.textContent = '';
      STATES.forEach(function (s) { if (counts[s]) el('span', { 'class': 'chip state-' + s }, legend, s + ' ' + counts[s]); });
      actions.textContent = '';
      var open = f.public_flow_state === 'open';
      function button(action, label, run) {
        if (!session.actions[action] || !open) return;
        var b = el('button', { type: 'button', 'data-action': action, 'class': action === 'cancel' ? 'danger' : null }, actions, label);
        b.addEventListener('click', function () {
          b.disabled = true;
          run().then(function () { message.textContent = ''; }).catch(function (e) { showError(message, e); }).then(function () { b.disabled = false; });
        });
      }
      button('cancel', 'Cancel flow', function () {
        var reason = window.prompt('Cancel this flow: reason', 'cancelled from the dashboard');
        if (reason === null) return Promise.resolve();
        return post('/api/flows/' + flowId + '/cancel', { reason: reason });
      });
      button('pause', 'Pause', function () { return post('/api/flows/' + flowId + '/pause', {}); });
      button('resume', 'Resume', function () { return post('/api/flows/' + flowId + '/resume', {}); });
    }
    function counts() {
      var c = {};
      state.nodes.forEach(function (n) { c[n.state] = (c[n.state] || 0) + 1; });
      return c;
    }
    function setState(id, s, attempts) {
      var n = state.nodes.get(id);
      if (!n) return false;
      n.state = s;
      if (attempts !== undefined) n.attempts = attempts;
      if (n.el) {
        n.el.setAttribute('data-state', s);
        if (n.detail) n.detail.textContent = n.detailText();
        if (n.title) n.title.textContent = id + ' · ' + s;
      }
      return true;
    }
    function addLog(entries) {
      entries.forEach(function (e) {
        if (state.log.has(e.event_id)) return;
        state.log.add(e.event_id);
        var li = el('li', { 'data-event-id': e.event_id }, logList);
        el('span', {}, li, time(e.occurred_at_ms));
        el('span', { 'class': 'muted' }, li, 'rev ' + e.graph_revision);
        el('span', {}, li, e.operation);
        el('span', { 'class': 'muted' }, li, e.actor);
        el('span', { 'class': 'args', title: JSON.stringify(e.arguments) }, li, JSON.stringify(e.arguments));
      });
      logList.parentNode.scrollTop = logList.parentNode.scrollHeight;
    }

    function load() {
      var t0 = performance.now();
      return api('/api/flows/' + flowId).then(function (data) {
        document.body.setAttribute('data-fetch-ms', String(Math.round(performance.now() - t0)));
        session.actions = data.actions;
        state.revision = data.flow.graph_revision;
        state.nodes = new Map();
        state.edges = new Map();
        data.members.forEach(function (m) {
          var label = m.label || (short(m.id) + (m.task ? ' ' + m.task : ''));
          state.nodes.set(m.id, { id: m.id, label: label, state: m.state, attempts: m.attempts, task: m.task,
            detailText: function () { return (m.label ? short(m.id) + ' · ' : '') + this.state + (this.attempts > 1 ? ' · attempt ' + this.attempts : ''); } });
        });
        showFlow(data.flow, counts());
        draw(data);
        document.body.setAttribute('data-rendered', String(data.members.length));
        document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
        return api('/api/flows/' + flowId + '/log');
      }).then(function (log) {
        addLog(log.events);
        if (!events) follow();
      }).catch(function (e) { showError(message, e); });
    }

    function follow() {
      events = new EventSource('/api/flows/' + flowId + '/events');
      onReady(events);
      main.addEventListener('leave', function () { events.close(); }, { once: true });
      window.addEventListener('popstate', function () { events.close(); route(); }, { once: true });
      events.addEventListener('state', function (ev) {
        var msg = JSON.parse(ev.data);
        if (msg.flow && msg.flow.graph_revision !== state.revision) { load(); return; }
        var missing = false;
        msg.members.forEach(function (m) { if (!setState(m.id, m.state, m.attempts)) missing = true; });
        if (missing) { load(); return; }
        (msg.edges || []).forEach(function (x) {
          var drawn = state.edges.get(x.id);
          if (!drawn) return;
          drawn.e.state = x.state;
          drawn.paths.forEach(function (p) { p.setAttribute('class', 'edge edge-' + x.state); });
          drawn.paths[0].setAttribute('data-state', x.state);
          drawn.title.textContent = x.state + ' · ' + drawn.e.kind + (drawn.e.ref ? ' · passes result as ' + drawn.e.ref : '');
        });
        if (msg.flow) {
          var f = Object.assign({}, state.flow, msg.flow);
          showFlow(f, counts());
        }
        addLog(msg.log || []);
        if (state.selected && msg.members.some(function (m) { return m.id === state.selected; })) select(state.selected);
        document.body.setAttribute('data-live-updates', String(Number(document.body.getAttribute('data-live-updates') || 0) + 1));
      });
    }

    function draw(data) {
      graph.textContent = '';
      var big = data.members.length > 1500 || typeof dagre === 'undefined';
      var old = layout.querySelector('.lod');
      if (old) old.remove();
      if (big) drawLayered(data); else drawDagre(data);
    }

    function measureText() {
      var ctx = document.createElement('canvas').getContext('2d');
      return function (text, size) { ctx.font = size + 'px system-ui, sans-serif'; return ctx.measureText(text).width; };
    }

    function drawDagre(data) {
      var width = measureText();
      var g = new dagre.graphlib.Graph({ multigraph: true });
      g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 50, marginx: 12, marginy: 12 });
      state.nodes.forEach(function (n) {
        g.setNode(n.id, { n: n, width: Math.max(width(n.label, 13), width(n.detailText(), 11) + 30) + 28, height: 44 });
      });
      data.edges.forEach(function (e) {
        if (!g.hasNode(e.from) || !g.hasNode(e.to)) return;
        var label = e.ref ? { width: width(e.ref, 11) + 8, height: 14, labelpos: 'c' } : {};
        label.e = e;
        g.setEdge(e.from, e.to, label, e.id);
      });
      dagre.layout(g);
      var size = g.graph();
      var root = svg('svg', { width: Math.ceil(size.width), height: Math.ceil(size.height), role: 'img' }, graph);
      g.edges().forEach(function (key) {
        var edge = g.edge(key);
        var e = edge.e;
        var d = 'M' + edge.points.map(function (p) { return p.x.toFixed(1) + ' ' + p.y.toFixed(1); }).join(' L');
        var path = svg('path', { d: d, 'class': 'edge edge-' + e.state, 'data-edge-id': e.id, 'data-state': e.state }, root);
        var title = svg('title', {}, path);
        title.textContent = e.state + ' · ' + e.kind + (e.ref ? ' · passes result as ' + e.ref : '');
        var last = edge.points[edge.points.length - 1];
        var prev = edge.points[edge.points.length - 2];
        var a = Math.atan2(last.y - prev.y, last.x - prev.x);
        var head = svg('path', { d: 'M' + last.x + ' ' + last.y + ' L' + (last.x - 8 * Math.cos(a - 0.4)) + ' ' + (last.y - 8 * Math.sin(a - 0.4)) +
          ' M' + last.x + ' ' + last.y + ' L' + (last.x - 8 * Math.cos(a + 0.4)) + ' ' + (last.y - 8 * Math.sin(a + 0.4)), 'class': 'edge edge-' + e.state }, root);
        state.edges.set(e.id, { e: e, paths: [path, head], title: title });
        if (e.ref) svg('text', { x: edge.x.toFixed(1), y: (edge.y + 4).toFixed(1), 'text-anchor': 'middle', 'class': 'edgelabel' }, root).textContent = e.ref;
      });
      g.nodes().forEach(function (id) {
        var box = g.node(id);
        var n = box.n;
        var group = svg('g', { 'class': 'node', 'data-execution-id': n.id, 'data-state': n.state,
          transform: 'translate(' + (box.x - box.width / 2).toFixed(1) + ',' + (box.y - box.height / 2).toFixed(1) + ')' }, root);
        svg('rect', { width: box.width, height: box.height, rx: 6, ry: 6 }, group);
        svg('text', { x: 12, y: 18 }, group).textContent = n.label;
        n.detail = svg('text', { x: 12, y: 35, 'class': 'detail' }, group);
        n.detail.textContent = n.detailText();
        n.title = svg('title', {}, group);
        n.title.textContent = n.id + ' · ' + n.state;
        n.el = group;
      });
    }

    // Level of detail for big flows: a layered layout computed here in linear time (rank = longest
    // path from a root; order within a rank by the parents' mean position), nodes as bare boxes
    // (labels in each box's tooltip and in the side panel), edges as one path per edge state.
    function drawLayered(data) {
      var W = 34, H = 16, GX = 10, GY = 34, M = 12;
      var ids = [], index = new Map();
      state.nodes.forEach(function (n, id) { index.set(id, ids.length); ids.push(id); });
      var count = ids.length, rank = new Int32Array(count), indeg = new Int32Array(count), out = [], parents = [];
      for (var i = 0; i < count; i++) { out.push([]); parents.push([]); }
      var edges = data.edges.filter(function (e) { return index.has(e.from) && index.has(e.to); });
      edges.forEach(function (e) { var a = index.get(e.from), b = index.get(e.to); out[a].push(b); parents[b].push(a); indeg[b]++; });
      var queue = [];
      for (i = 0; i < count; i++) if (indeg[i] === 0) queue.push(i);
      for (var q = 0; q < queue.length; q++) {
        var v = queue[q];
        out[v].forEach(function (w) { if (rank[w] < rank[v] + 1) rank[w] = rank[v] + 1; if (--indeg[w] === 0) queue.push(w); });
      }
      var ranks = [];
      queue.forEach(function (v) { (ranks[rank[v]] = ranks[rank[v]] || []).push(v); });
      var pos = new Float64Array(count), x = new Float64Array(count), y = new Float64Array(count), widest = 0;
      ranks.forEach(function (row, r) {
        if (r > 0) {
          row.forEach(function (v) { var s = 0; parents[v].forEach(function (p) { s += pos[p]; }); pos[v] = parents[v].length ? s / parents[v].length : 0; });
          row.sort(function (a, b) { return pos[a] - pos[b]; });
        }
        row.forEach(function (v, k) { pos[v] = k / Math.max(1, row.length - 1); x[v] = M + k * (W + GX); y[v] = M + r * (H + GY); });
        widest = Math.max(widest, row.length);
      });
      var width = M * 2 + widest * (W + GX), height = M * 2 + ranks.length * (H + GY);
      var root = svg('svg', { width: width, height: height, role: 'img' }, graph);
      var paths = {};
      edges.forEach(function (e) {
        var a = index.get(e.from), b = index.get(e.to);
        paths[e.state] = (paths[e.state] || '') + 'M' + (x[a] + W / 2) + ' ' + (y[a] + H) + 'L' + (x[b] + W / 2) + ' ' + y[b];
      });
      Object.keys(paths).forEach(function (s) { svg('path', { d: paths[s], 'class': 'edge edge-' + s }, root); });
      var frag = document.createDocumentFragment();
      ids.forEach(function (id, v) {
        var n = state.nodes.get(id);
        var rect = svg('rect', { x: x[v], y: y[v], width: W, height: H, rx: 3, 'class': 'node', 'data-execution-id': id, 'data-state': n.state }, frag);
        n.title = svg('title', {}, rect);
        n.title.textContent = n.label + ' · ' + id + ' · ' + n.state;
        n.el = rect;
      });
      root.appendChild(frag);
      graph.insertAdjacentElement('beforebegin', el('div', { 'class': 'lod' }, null,
        count + ' nodes: level-of-detail view (layered, labels in tooltips and the side panel)'));
    }

    function select(id) {
      if (state.selected && state.nodes.get(state.selected) && state.nodes.get(state.selected).el) state.nodes.get(state.selected).el.classList.remove('selected');
      state.selected = id;
      var n = state.nodes.get(id);
      if (n && n.el) {
        n.el.classList.add('selected');
        if (n.el.scrollIntoView) n.el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
      return api('/api/executions/' + encodeURIComponent(id) + '?flow=' + flowId).then(function (d) {
        if (state.selected !== id) return;
        renderPanel(d.execution, d.explanation);
      }).catch(function (e) { panel.textContent = ''; showError(el('p', {}, panel), e); });
    }

    function renderPanel(x, why) {
      panel.textContent = '';
      panel.setAttribute('data-execution-id', x.execution_id);
      panel.setAttribute('data-state', x.public_state);
      el('h2', {}, panel, (x.task_identifier || 'execution') + ' ' + short(x.execution_id));
      el('span', { 'class': 'chip state-' + x.public_state }, panel, x.public_state);
      el('p', { id: 'reason' }, panel, why ? why.reason : '');
      var dl = el('dl', {}, panel);
      function row(k, v) { el('dt', {}, dl, k); el('dd', {}, dl, v); }
      row('execution', x.execution_id);
      row('task', x.task_identifier || '(none)');
      row('lane', x.lane_id);
      row('phase', x.lifecycle_phase + ' · ' + x.attempt_state);
      row('outcome', x.terminal_outcome);
      row('attempts', x.attempt_count);
      row('priority', x.priority);
      row('created', time(x.created_at_ms));
      row('last attempt', time(x.last_attempt_started_at_ms));
      row('finished', time(x.terminal_at_ms));
      row('run time', duration(x.last_attempt_started_at_ms, x.terminal_at_ms));
      row('waited', duration(x.created_at_ms, x.last_attempt_started_at_ms));
      if (x.failure_reason) row('failure', x.failure_reason);
      if (why && why.group_policy) row('fan-in', JSON.stringify(why.group_policy) + ' · ' + (why.group_decision || '') + ' · success ' + why.success_count + ', fail ' + why.fail_count + ', skip ' + why.skip_count + ', running ' + why.running_count);
      if (why && why.inbound_edges && why.inbound_edges.length) {
        el('h2', {}, panel, 'Depends on');
        var ul = el('ul', { id: 'upstreams' }, panel);
        why.inbound_edges.forEach(function (e) {
          var li = el('li', {}, ul);
          var a = el('a', { 'class': 'follow', 'data-follow': e.upstream_execution_id }, li, short(e.upstream_execution_id));
          a.addEventListener('click', function () { select(e.upstream_execution_id); });
          el('span', {}, li, ' ' + e.edge_state + ' · upstream ' + e.upstream_public_state + (e.data_passing_ref ? ' · passes ' + e.data_passing_ref : ''));
        });
      }
      el('h2', {}, panel, 'Payload');
      el('pre', { id: 'payload' }, panel, json(x.payload));
      el('h2', {}, panel, 'Result');
      el('pre', { id: 'result' }, panel, json(x.result));
      var extra = el('details', {}, panel);
      el('summary', {}, extra, 'raw_fields');
      el('pre', {}, extra, json(x.raw_fields));
      var acts = el('div', { 'class': 'actions' }, panel);
      var out = el('div', { 'class': 'error' }, panel);
      if (session.actions.replay && x.lifecycle_phase === 'terminal') {
        var label = el('label', {}, acts);
        var down = el('input', { type: 'checkbox' }, label);
        label.appendChild(document.createTextNode(' with downstream'));
        el('button', { type: 'button', 'data-action': 'replay' }, acts, 'Replay').addEventListener('click', function () {
          post('/api/executions/' + encodeURIComponent(x.execution_id) + '/replay', { downstream: down.checked })
            .then(function () { out.textContent = ''; }).catch(function (e) { showError(out, e); });
        });
      }
      if (session.actions.signal && x.public_state === 'suspended') {
        var form = el('form', {}, panel);
        var wp = el('input', { placeholder: 'waitpoint id', value: (x.raw_fields && x.raw_fields.waitpoint_id) || '' }, form);
        var name = el('input', { placeholder: 'signal name' }, form);
        var payload = el('textarea', { placeholder: 'payload (JSON, optional)', rows: 2 }, form);
        el('button', { type: 'submit', 'data-action': 'signal' }, form, 'Deliver signal');
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          var body = { name: name.value };
          try { if (payload.value.trim()) body.payload = JSON.parse(payload.value); } catch (e) { showError(out, 'payload: not JSON'); return; }
          post('/api/waitpoints/' + encodeURIComponent(wp.value.trim()) + '/signal', body)
            .then(function () { out.textContent = ''; }).catch(function (e) { showError(out, e); });
        });
      }
    }

    load();
  }
})();
`;

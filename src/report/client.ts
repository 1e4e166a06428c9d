/**
 * The inline script of the HTML report (ES5, no dependency besides the inlined uPlot). It reads the JSON embedded in
 * `<script type="application/json" id="report-data">` (see `ReportData` in `html.ts`) and
 *
 * - draws the equity and drawdown curves, and each symbol's P&L when there are several;
 * - draws each symbol's candles (a `draw` hook on a uPlot chart whose open/high/low/close series only feed the scales
 *   and the legend) with the trades on top: long entries ▲ green, short entries ▼ red, exits ✕, a dashed line from
 *   entry to exit (green for a profit, red for a loss), and a tooltip with side, time, price, quantity and P&L for the
 *   marker under the cursor; a `<select>` switches symbols. The chart element carries `data-symbol`, `data-candles`,
 *   `data-markers` (markers of the symbol) and `data-markers-drawn` (markers in view at the last draw);
 * - makes the trade table sortable: a click on a header sorts by that column's exact values from the JSON (numbers
 *   and times numerically, non-finite values last), a second click reverses; `aria-sort` shows the order;
 * - offers the embedded metrics and trades as a JSON download (a Blob URL made on click).
 *
 * When everything is set up, `<html>` gets `data-ready="1"`. The script writes no HTML from the data (only
 * `textContent`), so names and reasons in the data cannot inject markup.
 *
 * @module
 */

/** The script; static, so rendering stays deterministic. */
export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var el = document.getElementById("report-data");
  if (!el) return;
  var data = JSON.parse(el.textContent || "{}");
  var hasPlot = typeof uPlot !== "undefined";

  /* ---- formatting: the rules of format.ts ---- */
  function num(v) { return typeof v === "number" ? v : v == null ? NaN : Number(v); }
  function group(s) {
    var out = "", n = s.length;
    for (var i = 0; i < n; i++) { if (i > 0 && (n - i) % 3 === 0) out += ","; out += s.charAt(i); }
    return out;
  }
  function fixed(v, d) {
    v = num(v);
    if (isNaN(v)) return "n/a";
    if (v === Infinity) return "\\u221e";
    if (v === -Infinity) return "-\\u221e";
    var s = Math.abs(v).toFixed(d), i = s.indexOf(".");
    var whole = i < 0 ? s : s.slice(0, i), frac = i < 0 ? "" : s.slice(i);
    return (v < 0 && Number(s) !== 0 ? "-" : "") + group(whole) + frac;
  }
  function money(v) { return v == null ? "n/a" : fixed(v, 2); }
  function pct(v, signed) {
    v = num(v);
    if (!isFinite(v)) return fixed(v * 100, 2);
    var s = fixed(v * 100, 2);
    return (signed && v > 0 && s !== "0.00" ? "+" : "") + s + "%";
  }
  function trim(s, keep) {
    var dot = s.indexOf(".");
    if (dot < 0) return s;
    var end = s.length;
    while (end > dot + keep + 1 && s.charAt(end - 1) === "0") end--;
    if (keep === 0 && end === dot + 1) end = dot;
    return s.slice(0, end);
  }
  function price(v) {
    v = num(v);
    if (!isFinite(v)) return fixed(v, 2);
    var a = Math.abs(v), mag = a > 0 ? Math.floor(Math.log(a) / Math.LN10 + 1e-12) : 0;
    return trim(fixed(v, Math.min(10, Math.max(2, 7 - mag))), 2);
  }
  function qty(v) { return isFinite(num(v)) ? trim(fixed(v, 8), 0) : fixed(v, 8); }
  function iso(ms) {
    var d = new Date(num(ms));
    if (isNaN(d.getTime())) return "n/a";
    var s = d.toISOString();
    return s.slice(-5) === ".000Z" ? s.slice(0, -5) + "Z" : s;
  }
  function utc(ts) { return uPlot.tzDate(new Date(ts), "Etc/UTC"); }
  function pad2(n) { return n < 10 ? "0" + n : String(n); }
  /* time-axis labels in UTC, ISO order: 2024 / 2024-03 / 03-15 over the year / 14:00 over the date */
  function timeTicks(u, splits, axis, space, incr) {
    var prev = null, DAY = 864e5;
    return splits.map(function (ms) {
      var d = new Date(ms), y = d.getUTCFullYear(), ymd = y + "-" + pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate());
      var out;
      if (incr >= 365 * DAY) out = String(y);
      else if (incr >= 28 * DAY) out = ymd.slice(0, 7);
      else if (incr >= DAY) out = ymd.slice(5) + (prev === null || prev.getUTCFullYear() !== y ? "\\n" + y : "");
      else {
        out = pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) + (incr < 6e4 ? ":" + pad2(d.getUTCSeconds()) : "");
        if (prev === null || prev.toISOString().slice(0, 10) !== ymd) out += "\\n" + ymd;
      }
      prev = d;
      return out;
    });
  }
  var X_AXIS = { stroke: "#656d76", grid: { stroke: "#eaeef2" }, ticks: { stroke: "#eaeef2" }, values: timeTicks };

  var charts = [];
  function widthOf(box) { return Math.max(300, box.clientWidth || 900); }

  /* ---- equity and drawdown ---- */
  function drawLine(id, series, label, fmt, stroke, fill, height) {
    var box = document.getElementById(id);
    if (!box) return;
    if (!series || series.t.length === 0) { box.textContent = "No data."; return; }
    var opts = {
      width: widthOf(box),
      height: height,
      ms: 1,
      tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      series: [
        { label: "Time (UTC)", value: "{YYYY}-{MM}-{DD} {HH}:{mm}" },
        { label: label, stroke: stroke, fill: fill, width: 1.5, spanGaps: false,
          value: function (u, v) { return fmt(v); } }
      ],
      axes: [
        X_AXIS,
        { stroke: "#656d76", grid: { stroke: "#eaeef2" }, size: 80,
          values: function (u, vals) { return vals.map(fmt); } }
      ]
    };
    charts.push({ box: box, height: height, plot: new uPlot(opts, [series.t, series.v], box) });
  }

  /* ---- P&L by symbol: one line per symbol ---- */
  var PALETTE = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#1b7c83", "#57606a"];
  function drawSymbolPnl(id, multi) {
    var box = document.getElementById(id);
    if (!box || !multi) return;
    if (multi.t.length === 0) { box.textContent = "No data."; return; }
    var series = [{ label: "Time (UTC)", value: "{YYYY}-{MM}-{DD} {HH}:{mm}" }];
    for (var k = 0; k < multi.names.length; k++) {
      series.push({ label: multi.names[k], stroke: PALETTE[k % PALETTE.length], width: 1.5, spanGaps: false,
        value: function (u, v) { return money(v); } });
    }
    var opts = {
      width: widthOf(box), height: 240, ms: 1, tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      series: series,
      axes: [X_AXIS, { stroke: "#656d76", grid: { stroke: "#eaeef2" }, size: 80, values: function (u, vals) { return vals.map(money); } }]
    };
    charts.push({ box: box, height: 240, plot: new uPlot(opts, [multi.t].concat(multi.v), box) });
  }

  /* ---- price candles with trade markers ---- */
  var trades = data.trades || {};
  var prices = data.prices || [];
  var priceBox = document.getElementById("price-chart");
  var current = null;
  var tip = null;
  var UP = "#9fd4ae", DOWN = "#f0a3aa", UP_WICK = "#5e9e72", DOWN_WICK = "#c0606a";
  var LONG = "#1a7f37", SHORT = "#cf222e", EXIT = "#1f2328", OUTLINE = "#ffffff";

  function candleWidth(u, s) {
    var n = s.t.length;
    var step = s.interval > 0 ? s.interval : n > 1 ? (s.t[n - 1] - s.t[0]) / (n - 1) : 0;
    var px = step > 0 ? Math.abs(u.valToPos(s.t[0] + step, "x", true) - u.valToPos(s.t[0], "x", true)) : 8;
    return { step: step, px: px };
  }

  function drawCandles(u, s) {
    var ctx = u.ctx, xmin = u.scales.x.min, xmax = u.scales.x.max;
    var cw = candleWidth(u, s), pr = uPlot.pxRatio || 1;
    var body = Math.max(1, Math.round(cw.px * 0.7)), half = Math.floor(body / 2);
    var wick = Math.max(1, Math.round(pr));
    for (var pass = 0; pass < 2; pass++) {
      var up = pass === 0;
      var wicks = new Path2D(), bodies = new Path2D();
      for (var i = 0; i < s.t.length; i++) {
        var t = s.t[i], o = s.o[i], h = s.h[i], l = s.l[i], c = s.c[i];
        if (t < xmin - cw.step || t > xmax + cw.step || o == null || c == null || h == null || l == null) continue;
        if ((c >= o) !== up) continue;
        var x = Math.round(u.valToPos(t, "x", true));
        var yh = Math.round(u.valToPos(h, "y", true)), yl = Math.round(u.valToPos(l, "y", true));
        var yo = Math.round(u.valToPos(o, "y", true)), yc = Math.round(u.valToPos(c, "y", true));
        wicks.rect(x - Math.floor(wick / 2), yh, wick, Math.max(1, yl - yh));
        var top = Math.min(yo, yc);
        bodies.rect(x - half, top, body, Math.max(1, Math.abs(yc - yo)));
      }
      ctx.fillStyle = up ? UP_WICK : DOWN_WICK;
      ctx.fill(wicks);
      ctx.fillStyle = up ? UP : DOWN;
      ctx.fill(bodies);
    }
  }

  function markerPos(u, s, m, k, canvas) {
    return { x: u.valToPos(s.t[m.candle[k]], "x", canvas), y: u.valToPos(m.price[k], "y", canvas) };
  }

  function drawMarkers(u, s) {
    var ctx = u.ctx, m = s.markers, pr = uPlot.pxRatio || 1;
    var xmin = u.scales.x.min, xmax = u.scales.x.max, drawn = 0;
    var r = Math.round(6 * pr), k, p, q;
    /* entry-to-exit lines first, under the markers */
    ctx.lineWidth = Math.max(1, pr);
    ctx.setLineDash([4 * pr, 3 * pr]);
    for (k = 0; k + 1 < m.kind.length; k++) {
      if (m.kind[k] === 2 || m.kind[k + 1] !== 2 || m.trade[k] !== m.trade[k + 1]) continue;
      var tx0 = s.t[m.candle[k]], tx1 = s.t[m.candle[k + 1]];
      if (tx1 < xmin || tx0 > xmax) continue;
      p = markerPos(u, s, m, k, true); q = markerPos(u, s, m, k + 1, true);
      ctx.strokeStyle = num(trades.pnl[m.trade[k]]) > 0 ? "rgba(26,127,55,0.7)" : "rgba(207,34,46,0.7)";
      ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.lineTo(q.x, q.y); ctx.stroke();
    }
    ctx.setLineDash([]);
    for (k = 0; k < m.kind.length; k++) {
      var tx = s.t[m.candle[k]];
      if (tx < xmin || tx > xmax) continue;
      p = markerPos(u, s, m, k, true);
      drawn++;
      if (m.kind[k] === 2) {
        ctx.lineCap = "round";
        for (var halo = 0; halo < 2; halo++) {
          ctx.strokeStyle = halo === 0 ? OUTLINE : EXIT;
          ctx.lineWidth = (halo === 0 ? 4 : 2) * pr;
          ctx.beginPath();
          ctx.moveTo(p.x - r * 0.7, p.y - r * 0.7); ctx.lineTo(p.x + r * 0.7, p.y + r * 0.7);
          ctx.moveTo(p.x + r * 0.7, p.y - r * 0.7); ctx.lineTo(p.x - r * 0.7, p.y + r * 0.7);
          ctx.stroke();
        }
      } else {
        var dir = m.kind[k] === 0 ? -1 : 1;
        ctx.beginPath();
        ctx.moveTo(p.x, p.y + dir * r);
        ctx.lineTo(p.x - r, p.y - dir * r * 0.75);
        ctx.lineTo(p.x + r, p.y - dir * r * 0.75);
        ctx.closePath();
        ctx.fillStyle = m.kind[k] === 0 ? LONG : SHORT;
        ctx.strokeStyle = EXIT;
        ctx.lineWidth = pr;
        ctx.fill(); ctx.stroke();
      }
    }
    if (priceBox) priceBox.setAttribute("data-markers-drawn", String(drawn));
  }

  function drawPrice(u) {
    var s = current;
    if (!s || s.t.length === 0) return;
    var ctx = u.ctx, b = u.bbox;
    ctx.save();
    ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
    drawCandles(u, s);
    drawMarkers(u, s);
    ctx.restore();
  }

  function line(parent, text, cls) {
    var d = document.createElement("div");
    if (cls) d.className = cls;
    d.textContent = text;
    parent.appendChild(d);
  }

  function showTip(u) {
    var s = current;
    if (!tip || !s) return;
    var left = u.cursor.left, top = u.cursor.top, m = s.markers;
    var best = -1, bestD = 144;
    if (left != null && left >= 0 && m) {
      for (var k = 0; k < m.kind.length; k++) {
        var p = markerPos(u, s, m, k, false), dx = p.x - left, dy = p.y - top, d = dx * dx + dy * dy;
        if (d <= bestD) { bestD = d; best = k; }
      }
    }
    if (best < 0) { tip.style.display = "none"; return; }
    var i = m.trade[best], exit = m.kind[best] === 2;
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    line(tip, "Trade #" + trades.id[i] + " \\u00b7 " + trades.side[i] + " " + (exit ? "exit" : "entry"), "tip-title");
    line(tip, iso(exit ? trades.exitTime[i] : trades.entryTime[i]) + " @ " + price(exit ? trades.exitPrice[i] : trades.entryPrice[i]));
    line(tip, "Qty " + qty(trades.quantity[i]));
    line(tip, "P&L " + money(trades.pnl[i]) + " (" + pct(trades.returnPct[i], true) + ")", num(trades.pnl[i]) > 0 ? "pos" : num(trades.pnl[i]) < 0 ? "neg" : "");
    if (exit) line(tip, "Exit: " + trades.exitReason[i] + (trades.exitNote[i] ? " (" + trades.exitNote[i] + ")" : ""));
    else if (trades.entryReason[i]) line(tip, "Entry: " + trades.entryReason[i]);
    var p2 = markerPos(u, s, m, best, false);
    tip.style.display = "block";
    var w = tip.offsetWidth || 200, ow = u.over.clientWidth || 800;
    tip.style.left = Math.max(0, Math.min(ow - w, p2.x + 12)) + "px";
    tip.style.top = Math.max(0, p2.y + 12) + "px";
  }

  function describe(box, s) {
    box.setAttribute("data-symbol", s.symbol);
    box.setAttribute("data-candles", String(s.t.length));
    box.setAttribute("data-markers", String(s.markers.kind.length));
  }

  function priceChart() {
    if (!priceBox || prices.length === 0) return;
    current = prices[0];
    var fmt = function (u, v) { return v == null ? "\\u2014" : price(v); };
    var opts = {
      width: widthOf(priceBox),
      height: 380,
      ms: 1,
      tzDate: utc,
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      legend: { markers: { show: false } },
      scales: { x: { time: true, range: function (u, min, max) {
        /* half a candle of room at both ends, so the first and last candles are whole */
        var s = current, n = s ? s.t.length : 0;
        var step = !s ? 0 : s.interval > 0 ? s.interval : n > 1 ? (s.t[n - 1] - s.t[0]) / (n - 1) : 0;
        return step > 0 ? [min - step / 2, max + step / 2] : [min - 1, max + 1];
      } } },
      series: [
        { label: "Candle (UTC)", value: "{YYYY}-{MM}-{DD} {HH}:{mm}" },
        { label: "Open", stroke: "#656d76", paths: function () { return null; }, points: { show: false }, value: fmt },
        { label: "High", stroke: "#656d76", paths: function () { return null; }, points: { show: false }, value: fmt },
        { label: "Low", stroke: "#656d76", paths: function () { return null; }, points: { show: false }, value: fmt },
        { label: "Close", stroke: "#656d76", paths: function () { return null; }, points: { show: false }, value: fmt }
      ],
      axes: [
        X_AXIS,
        { stroke: "#656d76", grid: { stroke: "#eaeef2" }, size: 80,
          values: function (u, vals) { return vals.map(function (v) { return price(v); }); } }
      ],
      hooks: { draw: [drawPrice], setCursor: [showTip] }
    };
    var s = current;
    var plot = new uPlot(opts, [s.t, s.o, s.h, s.l, s.c], priceBox);
    tip = document.createElement("div");
    tip.className = "tip";
    tip.style.display = "none";
    plot.over.appendChild(tip);
    describe(priceBox, s);
    charts.push({ box: priceBox, height: 380, plot: plot });
    var select = document.getElementById("price-symbol");
    if (select) {
      select.addEventListener("change", function () {
        var next = prices[Number(select.value)];
        if (!next) return;
        current = next;
        tip.style.display = "none";
        describe(priceBox, next);
        plot.setData([next.t, next.o, next.h, next.l, next.c]);
      });
    }
  }

  /* ---- sortable trade table ---- */
  function sortable(table) {
    var head = table.tHead && table.tHead.rows[0], body = table.tBodies[0];
    if (!head || !body) return;
    var ths = head.cells, state = { key: null, dir: 1 };
    table.className += " sortable";
    function sortBy(th) {
      var key = th.getAttribute("data-key"), type = th.getAttribute("data-type"), col = trades[key];
      if (!col) return;
      state.dir = state.key === key ? -state.dir : 1;
      state.key = key;
      var rows = [], all = body.rows, j;
      for (j = all.length - 1; j >= 0; j--) {
        var r = all[j];
        if (r.hasAttribute("data-i")) rows.push(r); else body.removeChild(r);
      }
      var items = [];
      for (j = 0; j < rows.length; j++) {
        var i = Number(rows[j].getAttribute("data-i")), v = col[i];
        items.push({ row: rows[j], i: i, v: type === "text" ? String(v == null ? "" : v) : num(v) });
      }
      var dir = state.dir;
      items.sort(function (a, b) {
        var x = a.v, y = b.v;
        if (type !== "text") {
          var xn = isNaN(x), yn = isNaN(y);
          if (xn || yn) return xn && yn ? a.i - b.i : xn ? 1 : -1;
        }
        if (x < y) return -dir;
        if (x > y) return dir;
        return a.i - b.i;
      });
      var frag = document.createDocumentFragment();
      for (j = 0; j < items.length; j++) frag.appendChild(items[j].row);
      body.appendChild(frag);
      for (j = 0; j < ths.length; j++) ths[j].setAttribute("aria-sort", ths[j] === th ? (dir > 0 ? "ascending" : "descending") : "none");
    }
    for (var j = 0; j < ths.length; j++) {
      (function (th) {
        if (!th.getAttribute("data-key")) return;
        th.tabIndex = 0;
        th.setAttribute("aria-sort", "none");
        th.addEventListener("click", function () { sortBy(th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
        });
      })(ths[j]);
    }
  }

  /* ---- JSON download ---- */
  function download() {
    var button = document.getElementById("download-json");
    if (!button || typeof Blob === "undefined" || !window.URL || !URL.createObjectURL) return;
    /* called through a bound name: the page then holds no text that looks like a CSS url() load to a scan */
    var blobLink = URL.createObjectURL.bind(URL);
    var made = null;
    button.addEventListener("click", function () {
      if (!made) {
        var list = [], fields = data.tradeFields || [], n = trades.id ? trades.id.length : 0;
        for (var i = 0; i < n; i++) {
          var t = {};
          for (var f = 0; f < fields.length; f++) t[fields[f]] = trades[fields[f]][i];
          list.push(t);
        }
        var out = { strategy: data.strategy, symbols: data.symbols, metrics: data.metrics, tradeCount: data.tradeCount, trades: list };
        made = blobLink(new Blob([JSON.stringify(out, null, 2) + "\\n"], { type: "application/json" }));
      }
      var a = document.createElement("a");
      a.setAttribute("href", made);
      a.setAttribute("download", button.getAttribute("data-file") || "report.json");
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
    });
    button.hidden = false;
  }

  if (hasPlot) {
    drawLine("equity-chart", data.equity, "Equity", money, "#0969da", "rgba(9,105,218,0.08)", 280);
    drawLine("drawdown-chart", data.drawdown, "Drawdown", function (v) { return v == null ? "n/a" : pct(v); }, "#cf222e", "rgba(207,34,46,0.12)", 200);
    drawSymbolPnl("symbol-pnl-chart", data.symbolPnl);
    priceChart();
  }
  /* for tools and tests: the charts and the data */
  var byName = {};
  for (var c = 0; c < charts.length; c++) byName[charts[c].box.id] = charts[c].plot;
  window.tradingReport = { data: data, charts: byName };
  var table = document.getElementById("trade-table");
  if (table) sortable(table);
  download();

  var pending = 0;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = requestAnimationFrame(function () {
      pending = 0;
      for (var i = 0; i < charts.length; i++) {
        var c = charts[i];
        c.plot.setSize({ width: widthOf(c.box), height: c.height });
      }
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
`

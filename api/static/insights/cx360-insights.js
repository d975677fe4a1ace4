// cx360 insights (/insights): the journey funnel, the pain-point grid and the NPS/CSAT/SLA
// series of a window and segment, drawn with Chart.js from the GraphQL API. The API key
// is given as in GraphiQL: the field at the top, checked against the server, kept in
// sessionStorage (this tab only; the same entry GraphiQL uses), sent as a header, never
// put into the URL. Every number drawn is also in a table (data-value: the API's value).
(function () {
  "use strict";
  var STORAGE = "cx360-api-key";
  var ENDPOINT = "/graphql";
  var main = document.getElementById("cx360-insights");
  var keyForm = document.getElementById("cx360-key-form");
  var keyInput = document.getElementById("cx360-key");
  var keyStatus = document.getElementById("cx360-key-status");
  var scopeForm = document.getElementById("cx360-scope");
  var message = document.getElementById("cx360-message");
  var segmentSelect = document.getElementById("cx360-segment");
  var measureSelect = document.getElementById("cx360-measure");
  var legend = document.getElementById("cx360-legend");
  var STAGES = main.getAttribute("data-stages").split(" ");
  var CHANNELS = main.getAttribute("data-channels").split(" ");

  var KEY_CHECK = "query Cx360InsightsKey { viewer { role keyName } " +
    "dimensions { segments { value count } } }";
  var INSIGHTS = "query Cx360Insights($filter: MetricsFilter!, $interval: Interval!) {\n" +
    "  journeyFunnel(filter: $filter) { stage reached conversion }\n" +
    "  journeyPainPoints(filter: $filter) { stage channel touchpoints customers sentiment\n" +
    "    sentimentTouchpoints negativeShare negativeTouchpoints ticketRate ticketCustomers\n" +
    "    stalled stalledCustomers }\n" +
    "  metricsSeries(interval: $interval, filter: $filter) { start end metrics {\n" +
    "    nps npsResponses csat csatResponses firstResponseSla firstResponseSlaDecided\n" +
    "    resolutionSla resolutionSlaDecided } }\n}";

  function key() { return window.sessionStorage.getItem(STORAGE) || ""; }

  function say(element, text, state) {
    element.textContent = text;
    element.setAttribute("data-state", state);
  }

  // {body, status} of a GraphQL request with `apiKey`; body null when unreadable.
  async function ask(apiKey, query, variables) {
    var response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + apiKey },
      body: JSON.stringify({ query: query, variables: variables || {} }),
      credentials: "omit"
    });
    var body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    return { body: body, status: response.status };
  }

  function problem(answer) {
    var errors = answer.body && answer.body.errors;
    return (errors && errors[0] && errors[0].message) || "The server answered " + answer.status + ".";
  }

  // ---- the key ------------------------------------------------------------------------

  function fillSegments(segments) {
    var chosen = segmentSelect.value;
    while (segmentSelect.options.length > 1) { segmentSelect.remove(1); }
    (segments || []).forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.value;
      option.textContent = s.value + " (" + s.count + " customers)";
      segmentSelect.appendChild(option);
    });
    segmentSelect.value = chosen;
    if (segmentSelect.value !== chosen) { segmentSelect.value = ""; }
  }

  async function useKey(candidate) {
    if (!candidate) {
      say(keyStatus, "Enter an API key (role ANALYST or any role that reads metrics).", "none");
      return;
    }
    say(keyStatus, "Checking the key\u2026", "checking");
    var answer;
    try {
      answer = await ask(candidate, KEY_CHECK);
    } catch (error) {
      say(keyStatus, "Key not used: the server cannot be reached; try again.", "invalid");
      return;
    }
    var data = answer.body && answer.body.data;
    var viewer = data && data.viewer;
    if (!viewer) {
      if (key() === candidate) { window.sessionStorage.removeItem(STORAGE); }
      var kept = key() ? " Still using the key kept for this tab." : "";
      say(keyStatus, "Key not used: " + problem(answer) + kept, "invalid");
      if (!key()) { clearDrawing("Enter a working API key to draw the charts."); }
      return;
    }
    window.sessionStorage.setItem(STORAGE, candidate);
    fillSegments(data.dimensions && data.dimensions.segments);
    say(keyStatus, "Role " + viewer.role + " (key \u201c" + viewer.keyName +
        "\u201d), kept for this browser tab.", "ok");
    await draw();
  }

  keyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var candidate = keyInput.value.trim();
    keyInput.value = "";
    useKey(candidate);
  });

  // ---- formatting ---------------------------------------------------------------------

  function percent(share) { return share === null ? "\u2013" : (share * 100).toFixed(1) + " %"; }
  function signed(value) {
    return value === null ? "\u2013" : (value > 0 ? "+" : "") + value.toFixed(2);
  }
  function plain(value) { return value === null ? "\u2013" : String(value); }
  function score(value) { return value === null ? "\u2013" : value.toFixed(1); }
  function hundredfold(share) { return share === null ? null : share * 100; }

  var MEASURE_TEXT = {
    negativeShare: percent, ticketRate: percent, stalled: percent, sentiment: signed,
    touchpoints: plain, customers: plain
  };

  // A table row; each cell [text, field, value] keeps the API's value in data-value.
  function row(tbody, attributes, cells) {
    var tr = document.createElement("tr");
    Object.keys(attributes).forEach(function (name) { tr.setAttribute(name, attributes[name]); });
    cells.forEach(function (cell, index) {
      var td = document.createElement(index === 0 ? "th" : "td");
      if (index === 0) { td.setAttribute("scope", "row"); }
      td.textContent = cell[0];
      if (cell[1]) {
        td.setAttribute("data-field", cell[1]);
        td.setAttribute("data-value", JSON.stringify(cell[2]));
      }
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }

  function emptied(id) {
    var tbody = document.querySelector("#" + id + " tbody");
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    return tbody;
  }

  // ---- charts -------------------------------------------------------------------------

  var charts = {};
  function chart(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    config.options = Object.assign({ animation: false, responsive: true,
                                     maintainAspectRatio: false }, config.options || {});
    charts[id] = new Chart(document.getElementById(id), config);
    return charts[id];
  }

  function clearDrawing(text) {
    Object.keys(charts).forEach(function (id) { charts[id].destroy(); delete charts[id]; });
    ["cx360-funnel-table", "cx360-pain-table", "cx360-series-table"].forEach(emptied);
    legend.textContent = "";
    main.setAttribute("data-state", "empty");
    say(message, text, "none");
  }

  function drawFunnel(steps) {
    chart("cx360-funnel-chart", {
      type: "bar",
      data: {
        labels: steps.map(function (s) { return s.stage; }),
        datasets: [{ label: "Customers reached", backgroundColor: "#2563eb",
                     data: steps.map(function (s) { return s.reached; }) }]
      },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          afterLabel: function (item) {
            var conversion = steps[item.dataIndex].conversion;
            return conversion === null ? "" : "Conversion " + percent(conversion);
          } } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: "customers" } } }
      }
    });
    var tbody = emptied("cx360-funnel-table");
    steps.forEach(function (s) {
      row(tbody, { "data-stage": s.stage }, [
        [s.stage], [plain(s.reached), "reached", s.reached],
        [percent(s.conversion), "conversion", s.conversion]
      ]);
    });
  }

  // Where a cell's value sits between harmless (0) and hurting (1) on the colour scale.
  function hurt(field, value, largest) {
    if (value === null) { return null; }
    if (field === "sentiment") { return Math.min(1, Math.max(0, (1 - value) / 2)); }
    if (field === "touchpoints" || field === "customers") {
      return largest > 0 ? value / largest : 0;
    }
    return Math.min(1, Math.max(0, value));
  }

  function colour(t) {
    if (t === null) { return "#e5e7eb"; }
    var from = [255, 245, 240], to = [165, 15, 21];
    var mixed = from.map(function (c, i) { return Math.round(c + (to[i] - c) * t); });
    return "rgb(" + mixed.join(", ") + ")";
  }

  // Each cell's value written inside it (Chart.js plugin API: text on the chart's canvas).
  var cellLabels = {
    id: "cx360CellLabels",
    afterDatasetsDraw: function (instance) {
      var meta = instance.getDatasetMeta(0);
      var dataset = instance.data.datasets[0];
      if (!meta || !dataset || instance.config.type !== "matrix") { return; }
      var context = instance.ctx;
      context.save();
      context.font = "12px system-ui, sans-serif";
      context.textAlign = "center";
      context.textBaseline = "middle";
      meta.data.forEach(function (element, index) {
        var cell = dataset.data[index];
        var centre = element.getCenterPoint();
        context.fillStyle = cell.t !== null && cell.t > 0.55 ? "#ffffff" : "#111827";
        context.fillText(MEASURE_TEXT[dataset.measure](cell.v), centre.x, centre.y);
      });
      context.restore();
    }
  };

  var painRows = [];
  function drawPainGrid() {
    var field = measureSelect.value;
    var channels = CHANNELS.filter(function (c) {
      return painRows.some(function (p) { return p.channel === c; });
    });
    var largest = Math.max.apply(null, [0].concat(painRows.map(function (p) {
      return typeof p[field] === "number" ? p[field] : 0;
    })));
    var cells = painRows.map(function (p) {
      var t = hurt(field, p[field], largest);
      return { x: p.channel, y: p.stage, v: p[field], t: t };
    });
    var option = measureSelect.options[measureSelect.selectedIndex];
    legend.textContent = "Darker red hurts more (" +
      (option.getAttribute("data-worse") === "low" ? "lower" : "higher") +
      " is worse); grey: no value; no cell: no touchpoints.";
    chart("cx360-pain-chart", {
      type: "matrix",
      data: { datasets: [{
        label: option.textContent, measure: field, data: cells,
        backgroundColor: function (context) {
          var cell = context.dataset.data[context.dataIndex];
          return cell ? colour(cell.t) : "#e5e7eb";
        },
        borderColor: "#ffffff", borderWidth: 1,
        width: function (context) {
          var area = context.chart.chartArea;
          return area ? area.width / Math.max(1, channels.length) - 2 : 0;
        },
        height: function (context) {
          var area = context.chart.chartArea;
          return area ? area.height / STAGES.length - 2 : 0;
        }
      }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function (items) {
            var cell = items[0].raw;
            return cell.y + " \u00d7 " + cell.x;
          },
          label: function (item) {
            return option.textContent + ": " + MEASURE_TEXT[field](item.raw.v);
          } } } },
        scales: {
          x: { type: "category", labels: channels, offset: true, grid: { display: false } },
          y: { type: "category", labels: STAGES, offset: true, grid: { display: false } }
        }
      },
      plugins: [cellLabels]
    });
  }

  function drawPainTable() {
    var tbody = emptied("cx360-pain-table");
    painRows.forEach(function (p) {
      row(tbody, { "data-stage": p.stage, "data-channel": p.channel }, [
        [p.stage], [p.channel],
        [plain(p.touchpoints), "touchpoints", p.touchpoints],
        [plain(p.customers), "customers", p.customers],
        [signed(p.sentiment), "sentiment", p.sentiment],
        [percent(p.negativeShare), "negativeShare", p.negativeShare],
        [percent(p.ticketRate), "ticketRate", p.ticketRate],
        [percent(p.stalled), "stalled", p.stalled]
      ]);
    });
  }

  measureSelect.addEventListener("change", function () {
    if (main.getAttribute("data-state") === "drawn") { drawPainGrid(); }
  });

  function drawSeries(buckets) {
    function line(label, colourOf, axis, values) {
      return { label: label, data: values, borderColor: colourOf, backgroundColor: colourOf,
               yAxisID: axis, spanGaps: true, tension: 0.2, pointRadius: 2 };
    }
    var m = buckets.map(function (b) { return b.metrics; });
    chart("cx360-series-chart", {
      type: "line",
      data: {
        labels: buckets.map(function (b) { return b.start.slice(0, 10); }),
        datasets: [
          line("NPS", "#7c3aed", "nps", m.map(function (x) { return x.nps; })),
          line("CSAT %", "#059669", "percent", m.map(function (x) { return x.csat; })),
          line("First response SLA %", "#d97706", "percent",
               m.map(function (x) { return hundredfold(x.firstResponseSla); })),
          line("Resolution SLA %", "#dc2626", "percent",
               m.map(function (x) { return hundredfold(x.resolutionSla); }))
        ]
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          nps: { position: "left", min: -100, max: 100, title: { display: true, text: "NPS" } },
          percent: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                     title: { display: true, text: "CSAT and SLA, %" } }
        }
      }
    });
    var tbody = emptied("cx360-series-table");
    buckets.forEach(function (b) {
      var x = b.metrics;
      row(tbody, { "data-start": b.start }, [
        [b.start.slice(0, 10)], [score(x.nps), "nps", x.nps], [score(x.csat), "csat", x.csat],
        [percent(x.firstResponseSla), "firstResponseSla", x.firstResponseSla],
        [percent(x.resolutionSla), "resolutionSla", x.resolutionSla]
      ]);
    });
  }

  // ---- the window and segment -------------------------------------------------------

  function chosenScope() {
    var filter = { from: document.getElementById("cx360-from").value,
                   to: document.getElementById("cx360-to").value };
    if (segmentSelect.value) { filter.segment = segmentSelect.value; }
    return { filter: filter, interval: document.getElementById("cx360-interval").value };
  }

  async function draw() {
    var apiKey = key();
    if (!apiKey) { clearDrawing("Enter your API key at the top to draw the charts."); return; }
    var variables = chosenScope();
    if (!variables.filter.from || !variables.filter.to || variables.filter.from >= variables.filter.to) {
      say(message, "Choose a window: \u201cFrom\u201d must be a date before \u201cBefore\u201d.", "error");
      return;
    }
    main.setAttribute("data-state", "loading");
    say(message, "Loading\u2026", "loading");
    var answer;
    try {
      answer = await ask(apiKey, INSIGHTS, variables);
    } catch (error) {
      clearDrawing("");
      say(message, "The server cannot be reached; try again.", "error");
      return;
    }
    var data = answer.body && answer.body.data;
    if (!data || (answer.body.errors && answer.body.errors.length)) {
      clearDrawing("");
      say(message, "Not drawn: " + problem(answer), "error");
      return;
    }
    drawFunnel(data.journeyFunnel);
    painRows = data.journeyPainPoints;
    drawPainGrid();
    drawPainTable();
    drawSeries(data.metricsSeries);
    var warnings = (answer.body.extensions && answer.body.extensions.warnings) || [];
    main.setAttribute("data-drawn", JSON.stringify(variables));
    main.setAttribute("data-state", "drawn");
    say(message, warnings.length ? warnings[0].message :
        "Drawn for " + variables.filter.from + " to before " + variables.filter.to +
        (variables.filter.segment ? ", segment " + variables.filter.segment : ", all segments") +
        ".", warnings.length ? "warning" : "ok");
  }

  scopeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    draw();
  });

  useKey(key());
})();

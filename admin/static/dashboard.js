// The live dashboard (/dasbor): snapshots from the server-sent event stream drawn as numbers, SVG line
// charts and bar lists. Host names and employee names come from the traffic and are attacker-controlled:
// every text goes in with textContent (or an SVG attribute holding a number), never as markup.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const root = document.getElementById("dashboard");
  if (!root) {
    return;
  }
  const words = root.dataset;
  const lang = words.lang === "en" ? "en" : "id";
  const numbers = new Intl.NumberFormat(lang === "en" ? "en-GB" : "id-ID");
  const clock = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: words.tz || undefined,
  });
  const LISTS = ["orgs", "employees", "hosts", "categories"];
  const PLACEHOLDERS = { not_signed_in: words.notSignedIn, no_org: words.noOrg, no_category: words.noCategory };

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    const element = byId(id);
    if (element) {
      element.textContent = text;
    }
  }

  // The portal's own units (admin/i18n.py human_bytes): powers of 1024.
  function humanBytes(n) {
    let value = Number(n) || 0;
    for (const unit of ["B", "KB", "MB", "GB", "TB"]) {
      if (value < 1024 || unit === "TB") {
        return unit === "B" ? Math.round(value) + " B" : value.toFixed(1) + " " + unit;
      }
      value /= 1024;
    }
    return value.toFixed(1) + " TB";
  }

  function svg(name, attributes) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) {
      element.setAttribute(key, String(value));
    }
    return element;
  }

  function status(state, text) {
    const element = byId("dashboard-status");
    element.className = "state " + state;
    element.textContent = text;
  }

  // A line chart of bytes per second in (down) and out (up), the newest point on the right.
  function drawChart(id, series) {
    const chart = byId(id);
    const width = 600, height = 160, left = 64, bottom = 18, top = 8;
    const points = series.down.length;
    const peak = Math.max(1, ...series.down, ...series.up);
    chart.replaceChildren();
    chart.appendChild(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    for (const fraction of [0.5, 1]) {
      const y = height - bottom - fraction * (height - bottom - top);
      chart.appendChild(svg("line", { class: "grid", x1: left, y1: y, x2: width, y2: y }));
      const label = svg("text", { x: left - 4, y: y + 3, "text-anchor": "end" });
      label.textContent = humanBytes(peak * fraction) + "/s";
      chart.appendChild(label);
    }
    const step = points > 1 ? (width - left) / (points - 1) : 0;
    for (const [name, values] of [["down", series.down], ["up", series.up]]) {
      const coordinates = values.map(function (value, i) {
        const x = left + i * step;
        const y = height - bottom - (value / peak) * (height - bottom - top);
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      chart.appendChild(svg("polyline", { class: "line " + name, points: coordinates.join(" ") }));
    }
    const first = svg("text", { x: left, y: height - 4 });
    first.textContent = clock.format(new Date(series.start * 1000));
    const last = svg("text", { x: width, y: height - 4, "text-anchor": "end" });
    last.textContent = clock.format(new Date((series.start + (points - 1) * series.step) * 1000));
    chart.appendChild(first);
    chart.appendChild(last);
  }

  function label(entry) {
    if (entry.placeholder) {
      return PLACEHOLDERS[entry.placeholder] || entry.placeholder;
    }
    return lang === "en" && entry.label_en ? entry.label_en : entry.label;
  }

  // A bar list: label, detail, a bar against the list's largest, bytes (in and out) and requests.
  function drawList(id, entries) {
    const list = byId(id);
    const empty = byId(id + "-empty");
    list.replaceChildren();
    empty.hidden = entries.length > 0;
    const largest = Math.max(1, ...entries.map(function (e) { return e.up + e.down; }));
    for (const entry of entries) {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = label(entry);
      item.appendChild(name);
      if (entry.detail) {
        const detail = document.createElement("span");
        detail.className = "detail muted";
        detail.textContent = entry.detail;
        item.appendChild(detail);
      }
      const bar = svg("svg", { class: "bar", viewBox: "0 0 100 6", preserveAspectRatio: "none" });
      const down = (100 * entry.down) / largest, up = (100 * entry.up) / largest;
      bar.appendChild(svg("rect", { class: "down", x: 0, y: 0, width: down.toFixed(2), height: 6 }));
      bar.appendChild(svg("rect", { class: "up", x: down.toFixed(2), y: 0, width: up.toFixed(2), height: 6 }));
      item.appendChild(bar);
      const figures = document.createElement("span");
      figures.className = "figures-line muted";
      figures.textContent = "↓ " + humanBytes(entry.down) + " · ↑ " + humanBytes(entry.up) + " · "
        + numbers.format(entry.requests) + " " + words.requests.toLowerCase();
      item.appendChild(figures);
      list.appendChild(item);
    }
  }

  function drawAlerts(alerts) {
    setText("alerts-open", numbers.format(alerts.total));
    byId("alerts-stale").hidden = !alerts.stale;
    byId("alerts-none").hidden = alerts.total > 0;
    const list = byId("alerts-newest");
    list.replaceChildren();
    for (const alert of alerts.newest) {
      const item = document.createElement("li");
      item.className = "severity-" + (["low", "medium", "high"].includes(alert.severity) ? alert.severity : "low");
      const severity = words["severity" + alert.severity.charAt(0).toUpperCase() + alert.severity.slice(1)];
      const state = words["status" + alert.status.charAt(0).toUpperCase() + alert.status.slice(1)];
      const when = clock.format(new Date(alert.created_at));
      item.textContent = when + " · " + (severity || alert.severity) + " · " + alert.detector
        + (alert.username ? " · " + alert.username : "") + " (" + (state || alert.status) + ")";
      list.appendChild(item);
    }
  }

  function draw(snapshot) {
    setText("dashboard-updated", clock.format(new Date(snapshot.at * 1000)));
    setText("rate-in", humanBytes(snapshot.rate.down) + "/s");
    setText("rate-out", humanBytes(snapshot.rate.up) + "/s");
    for (const [span, key] of [["5", "last5"], ["60", "last60"]]) {
      const view = snapshot[key];
      setText("active-" + span, numbers.format(view.active_employees));
      setText("blocked-" + span, numbers.format(view.blocked));
      setText("requests-" + span, numbers.format(view.requests));
      drawChart("chart-" + span, view.series);
      for (const name of LISTS) {
        drawList("top-" + span + "-" + name, view.top[name]);
      }
    }
    drawAlerts(snapshot.alerts);
  }

  const source = new EventSource(words.stream);
  source.addEventListener("open", function () { status("live", words.live); });
  source.addEventListener("error", function () { status("reconnecting", words.reconnecting); });
  source.addEventListener("end", function () { status("reconnecting", words.reconnecting); });
  source.addEventListener("snapshot", function (event) {
    status("live", words.live);
    draw(JSON.parse(event.data));
  });
})();

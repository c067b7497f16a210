// The new-experiment form: picking another answer field re-reads the file's labels and task type for it.
(function () {
  const target = document.querySelector("select[data-reload=target]");
  if (!target) return;
  target.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("target", target.value);
    url.searchParams.set("name", document.querySelector("input[name=name]").value);
    window.location.href = url.toString();
  });
})();

// Requests that never got an answer (the studio stopped, the connection dropped) say so instead of nothing.
document.addEventListener("htmx:sendError", () => {
  const errors = document.getElementById("errors");
  if (errors) errors.innerHTML = '<p class="error" role="alert">The studio did not answer: is it still running? Reload the page to try again.</p>';
});

// The live run page: follows a job's progress events. EventSource reconnects by itself after a dropped
// connection and sends Last-Event-ID, so the server resumes after the last event this page saw.
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const bars = document.getElementById("bars"), log = document.getElementById("log");
  const status = document.getElementById("job-status"), seen = new Map();
  const source = new EventSource(live.dataset.events);
  function fmt(seconds) {
    if (seconds === null || seconds === undefined) return "";
    seconds = Math.round(seconds);
    return seconds >= 60 ? Math.floor(seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
  }
  function showProgress(p) {
    let row = seen.get(p.desc);
    if (!row) {
      row = document.createElement("div");
      row.className = "progress-row";
      row.innerHTML = '<div class="label"></div><div class="bar"><div></div></div>';
      bars.appendChild(row);
      seen.set(p.desc, row);
    }
    const extra = Object.entries(p.postfix || {}).map(([k, v]) => k + " " + v).join(", ");
    const of = p.total ? "/" + p.total : "";
    const eta = p.done ? "done" : (p.eta_s !== null ? "about " + fmt(p.eta_s) + " left" : "");
    row.dataset.done = p.done ? "yes" : "no";
    row.querySelector(".label").textContent = p.desc + ": " + p.n + of + " " + p.unit + (extra ? " (" + extra + ")" : "") + (eta ? " - " + eta : "");
    row.querySelector(".bar > div").style.width = p.total ? Math.min(100, 100 * p.n / p.total) + "%" : (p.done ? "100%" : "5%");
  }
  function addLog(text) {
    const line = document.createElement("div");
    line.textContent = text;
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }
  source.addEventListener("progress", (e) => showProgress(JSON.parse(e.data)));
  source.addEventListener("log", (e) => addLog(JSON.parse(e.data).message));
  source.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    status.textContent = s.status;
    status.className = "status-" + s.status;
    if (s.error) addLog(s.error);
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && live.dataset.finished !== "yes") {
      addLog("The connection to the studio was lost; reload the page (or sign in again) to follow the run.");
    }
  };
  source.addEventListener("end", () => {
    source.close();
    live.dataset.finished = "yes";
    const cancel = document.getElementById("cancel-button");
    if (cancel) cancel.hidden = true;
    const done = document.getElementById("when-done");
    if (done) done.hidden = false;
  });
})();

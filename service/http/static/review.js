// The summary review page: sends one article to POST /v1/summaries and shows the answer,
// every evidence span highlighted in the article. A long article, or one the service cannot
// take synchronously now, goes through a job (GET /v1/jobs/{id}), its progress shown. Article
// text and model output only ever reach the page through textContent and text nodes, never
// as markup.
"use strict";

(() => {
  const FIELDS = ["who", "what", "where", "denials"];
  const FIELD_LABEL = { who: "Who", what: "What", where: "Where", denials: "Denial" };
  const KIND_LABEL = { explicit: "explicit", implicit: "implicit", no_comment: "no comment" };
  const KEY_STORE = "summarizer.review.apiKey";
  const ENDPOINT = "v1/summaries"; // relative, so that the page also works behind a path prefix
  const JOBS = "v1/jobs/";
  // Past this many characters an article is sent as a background job (Prefer: respond-async).
  // A synchronous request is cut at SUMMARIZER_DEADLINE (120 s by default), and a longer
  // article is read in several parts, one model call each, which on the embedded model can
  // take longer than that; a job has its own deadline (SUMMARIZER_JOB_DEADLINE, 30 min).
  const ASYNC_FROM_CHARS = 20000;
  // Polling a job: soon at first (most jobs are short), then less often, up to every 10 s.
  const POLL_FIRST_MS = 1000;
  const POLL_GROWTH = 1.5;
  const POLL_MAX_MS = 10000;
  // Polls in a row that may fail (a restart, a proxy's hiccup) before the page gives up.
  const POLL_FAILURES_ALLOWED = 8;
  const JOB_PROGRESS = { queued: "Queued as a background job…", running: "Running as a background job…" };
  // The service's own test of HTML input (service/extract.py), so that "Detect" agrees with it.
  const HTML_PATTERN = /<\s*(!doctype|html|head|body|p|div|article|section|span|br|h[1-6])\b/i;

  const $ = (id) => document.getElementById(id);
  const state = { data: null, items: [], marksByEvidence: new Map(), cardsByItem: new Map(), busy: false };

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  function shorten(text, limit) {
    const chars = Array.from(text);
    return chars.length <= limit ? text : chars.slice(0, limit - 1).join("") + "…";
  }

  // ---- the form --------------------------------------------------------------------------

  function chosenFormat(text) {
    const choice = document.querySelector('input[name="format"]:checked').value;
    if (choice !== "auto") return choice;
    return HTML_PATTERN.test(text.slice(0, 4000)) ? "html" : "text";
  }

  function showDetectedFormat() {
    const choice = document.querySelector('input[name="format"]:checked').value;
    const text = $("article").value;
    $("format-detected").textContent =
      choice === "auto" && text.trim() ? `(reads as ${chosenFormat(text) === "html" ? "HTML" : "plain text"})` : "";
  }

  function setFormat(value) {
    const radio = document.querySelector(`input[name="format"][value="${value}"]`);
    if (radio) radio.checked = true;
    showDetectedFormat();
  }

  async function loadFile(event) {
    const input = event.target;
    const file = input.files && input.files[0];
    if (!file) return;
    try {
      $("article").value = await file.text();
      setFormat(/\.html?$/i.test(file.name) ? "html" : /\.te?xt$/i.test(file.name) ? "text" : "auto");
      setStatus(`Loaded ${file.name} (${plural(Array.from($("article").value).length, "character")}).`);
    } catch (error) {
      showError(`The file ${file.name} could not be read: ${error.message || error}.`);
    } finally {
      input.value = ""; // picking the same file again reloads it
    }
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  async function submit(event) {
    event.preventDefault();
    if (state.busy) return;
    const text = $("article").value;
    if (!text.trim()) {
      showError("Paste an article or open a file first.");
      $("article").focus();
      return;
    }
    const format = chosenFormat(text);
    const payload = { [format]: text };
    const title = $("title").value.trim();
    if (title) payload.title = title;
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const key = $("api-key").value.trim();
    if (key) headers.Authorization = `Bearer ${key}`;
    if ($("fresh").checked) headers["Cache-Control"] = "no-cache";

    hideError();
    state.busy = true;
    $("submit").disabled = true;
    const started = performance.now();
    const clock = progressClock(started);
    try {
      const summary = await summarize(payload, headers, text.length > ASYNC_FROM_CHARS, format, clock);
      if (!summary) {
        setStatus("");
        return;
      }
      if (typeof summary !== "object" || !summary.meta) {
        showError("The service answered with something that is not a summary.");
        setStatus("");
        return;
      }
      const article = typeof summary.article_text === "string" ? summary.article_text : text;
      render(summary, article);
      setStatus(`Done in ${elapsedSeconds(started)} s.`);
    } finally {
      clock.stop();
      state.busy = false;
      $("submit").disabled = false;
    }
  }

  // The summary, from a synchronous call or through a job; null when it failed, the failure shown.
  async function summarize(payload, headers, long, format, clock) {
    const body = JSON.stringify(payload);
    if (long) {
      clock.show("A long article: sending it as a background job…");
    } else {
      setStatus(`Summarizing as ${format === "html" ? "HTML" : "plain text"}…`);
      const answer = await callApi(ENDPOINT, { method: "POST", headers, body });
      if (!worthAJob(answer)) return summaryOf(answer);
      clock.show("The service could not do it now: sending it as a background job…");
    }
    const answer = await callApi(ENDPOINT, { method: "POST", headers: { ...headers, Prefer: "respond-async" }, body });
    // A service without jobs answers the request itself (200), as RFC 7240 allows.
    if (!answer.response || answer.response.status !== 202) return summaryOf(answer);
    if (!isJob(answer.data)) {
      showError("The service accepted the article but did not say which job it is.");
      return null;
    }
    return followJob(answer.data, headers, clock);
  }

  // A synchronous failure that a job may still turn into a summary: too many requests in
  // flight at the moment, or more work than the synchronous deadline allows.
  function worthAJob({ response, data }) {
    if (!response) return false;
    const envelope = envelopeOf(data);
    return response.status === 504 || (response.status === 503 && envelope !== null && envelope.code === "overloaded");
  }

  // The 200 body of an answer; null when the call failed, its failure shown.
  function summaryOf({ response, data, error }) {
    if (!response) {
      showError(`The service could not be reached (${error.message || error}). Check that it is running, then try again.`);
      return null;
    }
    if (!response.ok) {
      showApiError(response, data);
      return null;
    }
    return data;
  }

  // One call to the API: its response and JSON body (null when not JSON), or the error that
  // kept it from answering.
  async function callApi(url, init) {
    try {
      const response = await fetch(url, init);
      const raw = await response.text();
      let data = null;
      try {
        data = JSON.parse(raw);
      } catch (_) {
        data = null;
      }
      return { response, data, error: null };
    } catch (error) {
      return { response: null, data: null, error };
    }
  }

  // ---- jobs ------------------------------------------------------------------------------

  function isJob(data) {
    return Boolean(data && typeof data === "object" && typeof data.job_id === "string" && typeof data.status === "string");
  }

  // Polls the job until it ends: its result, or null when it failed (shown). The service keeps
  // an accepted job through its own restarts, so a poll that gets no answer is tried again.
  async function followJob(job, headers, clock) {
    const url = JOBS + encodeURIComponent(job.job_id); // relative like ENDPOINT, where Location is absolute
    const init = { headers: { Accept: "application/json" } };
    if (headers.Authorization) init.headers.Authorization = headers.Authorization;
    let current = job;
    let delay = POLL_FIRST_MS;
    let failures = 0;
    while (current.status !== "done") {
      if (current.status === "failed") {
        showJobFailure(current);
        return null;
      }
      clock.show(failures ? "No answer from the service; asking again…" : JOB_PROGRESS[current.status] || `Job ${current.status}…`);
      await sleep(delay);
      const answer = await callApi(url, init);
      const wait = answer.response ? retryAfterSeconds(answer.response) : null;
      delay = wait !== null ? wait * 1000 : Math.min(delay * POLL_GROWTH, POLL_MAX_MS);
      if (worthPollingAgain(answer)) {
        failures += 1;
        if (failures > POLL_FAILURES_ALLOWED) {
          showError(`The service stopped answering about the job. It keeps the job; its result will be at ${url}.`, `(job ${job.job_id})`);
          return null;
        }
      } else if (!answer.response.ok) {
        showApiError(answer.response, answer.data);
        return null;
      } else if (!isJob(answer.data)) {
        showError("The service answered with something that is not a job.", `(job ${job.job_id})`);
        return null;
      } else {
        failures = 0;
        current = answer.data;
      }
    }
    return current.result;
  }

  // No answer, a rate limit, or the service overloaded or restarting: the job itself is not lost.
  function worthPollingAgain({ response }) {
    return !response || response.status === 429 || response.status >= 500;
  }

  function sleep(ms) {
    return new Promise((resolve) => window.setTimeout(resolve, ms));
  }

  function elapsedSeconds(started) {
    return ((performance.now() - started) / 1000).toFixed(1);
  }

  // The status line while waiting: what is happening, and the seconds since Summarize was
  // pressed, refreshed every second.
  function progressClock(started) {
    let label = "";
    let timer = null;
    const draw = () => setStatus(`${label} ${Math.floor((performance.now() - started) / 1000)} s`);
    return {
      show(text) {
        label = text;
        draw();
        if (timer === null) timer = window.setInterval(draw, 1000);
      },
      stop() {
        window.clearInterval(timer);
        timer = null;
      },
    };
  }

  // ---- errors ----------------------------------------------------------------------------

  function retryAfterSeconds(response) {
    const value = (response.headers.get("Retry-After") || "").trim();
    if (!value) return null;
    if (/^\d+$/.test(value)) return Number(value);
    const when = Date.parse(value);
    return Number.isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
  }

  function envelopeOf(data) {
    return data && typeof data === "object" && data.error && typeof data.error === "object" ? data.error : null;
  }

  function showApiError(response, data) {
    const advice = [];
    const wait = retryAfterSeconds(response);
    if (wait !== null) advice.push(`Try again in ${wait} s.`);
    if (response.status === 401) advice.push("Enter the API key above.");
    const fallback = `The service answered ${response.status} ${response.statusText}`.trim();
    showFailure(envelopeOf(data), fallback, `HTTP ${response.status}`, advice);
  }

  function showJobFailure(job) {
    const envelope = job.error && typeof job.error === "object" ? job.error : null;
    showFailure(envelope, "The job failed", `job ${job.job_id}`, []);
  }

  // An error envelope's message in plain words, its code and where it came from beside it.
  function showFailure(envelope, fallback, source, advice) {
    let message = envelope && envelope.message ? `Not summarized: ${envelope.message}` : fallback;
    if (!/[.!?]$/.test(message)) message += ".";
    const code = envelope && envelope.code ? `${envelope.code}, ` : "";
    showError([message, ...advice].join(" "), `(${code}${source})`, envelope ? envelope.details : null);
  }

  function showError(message, code, details) {
    $("error-message").textContent = message;
    if (code) {
      $("error-message").append(" ", node("span", "error-code", code));
    }
    const hasDetails = details !== undefined && details !== null;
    $("error-details-box").hidden = !hasDetails;
    $("error-details").textContent = hasDetails ? JSON.stringify(details, null, 2) : "";
    $("error").hidden = false;
    $("result").hidden = true;
    $("article-panel").hidden = true;
    document.body.classList.remove("has-result");
  }

  function hideError() {
    $("error").hidden = true;
    $("error-message").textContent = "";
  }

  // ---- offsets ---------------------------------------------------------------------------

  // The service counts code points; JavaScript strings count UTF-16 units. units[i] is the
  // UTF-16 index of code point i, and units[length] the string's length.
  function codePointIndex(text) {
    const units = [0];
    let position = 0;
    for (const char of text) {
      position += char.length;
      units.push(position);
    }
    return units;
  }

  // ---- the answer as items ---------------------------------------------------------------

  function describe(field, item) {
    switch (field) {
      case "who":
        return item.role ? `${item.name} (${item.role})` : item.name;
      case "what":
        return item.text;
      case "where":
        return item.name;
      default:
        return `${item.who} denied ${item.denied} (${KIND_LABEL[item.kind] || item.kind})`;
    }
  }

  function collectItems(data) {
    const items = [];
    let evidenceCount = 0;
    for (const field of FIELDS) {
      const value = data[field];
      const list = field === "what" ? (value ? [value] : []) : Array.isArray(value) ? value : [];
      list.forEach((raw, index) => {
        const evidence = (Array.isArray(raw.evidence) ? raw.evidence : []).map((span) => ({
          ...span,
          id: `ev-${evidenceCount++}`,
        }));
        items.push({
          key: `${field}-${index}`,
          field,
          index,
          raw,
          evidence,
          label: `${FIELD_LABEL[field]}: ${describe(field, raw)}`,
          cursor: 0,
        });
      });
    }
    return items;
  }

  // ---- rendering -------------------------------------------------------------------------

  function render(data, article) {
    state.data = data;
    state.items = collectItems(data);
    state.marksByEvidence = new Map();
    state.cardsByItem = new Map();
    renderMeta(data.meta);
    renderCards();
    renderArticle(article);
    $("copy-status").textContent = "";
    $("result").hidden = false;
    $("article-panel").hidden = false;
    document.body.classList.add("has-result");
  }

  function renderMeta(meta) {
    const box = $("meta");
    box.replaceChildren();
    const facts = node("p", "meta-facts");
    const fact = (label, value) => {
      if (value === undefined || value === null || value === "") return;
      const part = node("span", "fact");
      part.append(node("span", "fact-label", label), " ", node("span", "fact-value", value));
      facts.append(part);
    };
    fact("backend", meta.backend);
    fact("model", meta.model);
    fact("attempts", meta.attempts);
    fact("latency", typeof meta.latency_ms === "number" ? `${meta.latency_ms} ms` : null);
    if (meta.usage) fact("tokens", `${meta.usage.prompt_tokens} in, ${meta.usage.completion_tokens} out`);
    fact("prompt", meta.prompt_version);
    box.append(facts);

    if (meta.cached) {
      box.append(node("p", "meta-note", `Served from the result cache; made ${meta.cached_at || "earlier"}. Tick "Skip the cache" to make it afresh.`));
    }
    if (meta.chunks > 1) {
      box.append(node("p", "meta-note", `The article was longer than the model's context and was read whole in ${meta.chunks} overlapping parts.`));
    }
    const dropped = Array.isArray(meta.dropped) ? meta.dropped : [];
    if (dropped.length) {
      const details = node("details", "dropped");
      details.append(node("summary", null, `${plural(dropped.length, "item")} dropped as unsupported by the article`));
      const list = node("ul");
      for (const item of dropped) {
        const entry = node("li");
        entry.append(node("code", null, item.path), ` (${item.field}): `, (item.reasons || []).join(", ").replace(/_/g, " "));
        list.append(entry);
      }
      details.append(list);
      box.append(details);
    } else {
      box.append(node("p", "meta-note", "Nothing dropped."));
    }
  }

  function renderCards() {
    for (const field of FIELDS) {
      const box = $(`cards-${field}`);
      box.replaceChildren();
      const items = state.items.filter((item) => item.field === field);
      if (!items.length) {
        box.append(node("p", "empty", field === "what" ? "No account of the event could be grounded." : "None in this article."));
      }
      for (const item of items) {
        const card = buildCard(item);
        state.cardsByItem.set(item.key, card);
        box.append(card);
      }
    }
  }

  function buildCard(item) {
    const card = node("button", `card field-border-${item.field}`);
    card.type = "button";
    card.dataset.item = item.key;
    card.dataset.field = item.field;
    const raw = item.raw;
    if (item.field === "who") {
      card.append(node("span", "card-title", raw.name));
      if (raw.role) card.append(node("span", "card-line", raw.role));
    } else if (item.field === "what") {
      card.append(node("span", "card-title card-title-plain", raw.text));
    } else if (item.field === "where") {
      card.append(node("span", "card-title", raw.name));
    } else {
      const head = node("span", "card-head");
      head.append(node("span", "card-title", raw.who), node("span", `badge badge-${raw.kind}`, KIND_LABEL[raw.kind] || raw.kind));
      card.append(head);
      const line = node("span", "card-line");
      line.append(node("span", "card-label", "denied "), raw.denied);
      card.append(line);
    }
    if (item.evidence.length) {
      card.append(node("span", "card-quote", `“${shorten(item.evidence[0].quote, 160)}”`));
      if (item.evidence.length > 1) card.append(node("span", "card-more", `${plural(item.evidence.length, "quote")}; press again for the next`));
    } else {
      card.append(node("span", "card-more", "no quote"));
    }
    card.setAttribute("aria-label", `${item.label}. Show in the article.`);
    card.addEventListener("click", () => activate(item));
    return card;
  }

  // The article is cut at every span boundary; each piece knows the evidence covering it, so
  // overlapping and identical spans need no nesting. One <mark> per covered piece.
  function renderArticle(article) {
    const view = $("article-view");
    view.replaceChildren();
    const units = codePointIndex(article);
    const length = units.length - 1;
    const spans = [];
    let outOfRange = 0;
    let mismatched = 0;
    for (const item of state.items) {
      for (const evidence of item.evidence) {
        const { start, end } = evidence;
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > length || start >= end) {
          outOfRange += 1;
          continue;
        }
        const from = units[start];
        const to = units[end];
        if (article.slice(from, to) !== evidence.quote) mismatched += 1;
        spans.push({ from, to, item, evidence });
      }
    }

    const cuts = new Set([0, article.length]);
    for (const span of spans) {
      cuts.add(span.from);
      cuts.add(span.to);
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i + 1 < points.length; i += 1) {
      const from = points[i];
      const to = points[i + 1];
      const text = article.slice(from, to);
      const covering = spans.filter((span) => span.from <= from && span.to >= to);
      if (!covering.length) {
        fragment.append(document.createTextNode(text));
        continue;
      }
      fragment.append(buildMark(text, covering));
    }
    view.append(fragment);
    view.scrollTop = 0;

    const warning = $("offset-warning");
    const problems = [];
    if (outOfRange) problems.push(`${plural(outOfRange, "quote")} with offsets outside the article could not be shown`);
    if (mismatched) problems.push(`${plural(mismatched, "quote")} do not match the article at their offsets`);
    warning.textContent = problems.length ? `${problems.join("; ")}.` : "";
    warning.hidden = !problems.length;
  }

  function buildMark(text, covering) {
    const mark = node("mark", "hl", text);
    const fields = FIELDS.filter((field) => covering.some((span) => span.item.field === field));
    const evidenceIds = Array.from(new Set(covering.map((span) => span.evidence.id)));
    const itemKeys = Array.from(new Set(covering.map((span) => span.item.key)));
    mark.dataset.evidence = evidenceIds.join(" ");
    mark.dataset.items = itemKeys.join(" ");
    mark.dataset.fields = fields.join(" ");
    if (fields.length === 1) {
      mark.classList.add(`field-${fields[0]}`);
    } else {
      // Stacked bands, one per field, so that every field covering the words stays visible.
      const step = 100 / fields.length;
      const bands = fields.map((field, k) => `var(--${field}) ${(k * step).toFixed(2)}% ${((k + 1) * step).toFixed(2)}%`);
      mark.style.backgroundImage = `linear-gradient(to bottom, ${bands.join(", ")})`;
      mark.classList.add("multi");
    }
    const labels = Array.from(new Set(covering.map((span) => span.item.label)));
    mark.title = labels.join("\n");
    for (const id of evidenceIds) {
      if (!state.marksByEvidence.has(id)) state.marksByEvidence.set(id, []);
      state.marksByEvidence.get(id).push(mark);
    }
    return mark;
  }

  // ---- interaction -----------------------------------------------------------------------

  function activate(item) {
    for (const element of document.querySelectorAll(".card.active, mark.active")) element.classList.remove("active");
    const card = state.cardsByItem.get(item.key);
    if (card) card.classList.add("active");
    const shown = item.evidence.filter((evidence) => state.marksByEvidence.has(evidence.id));
    if (!shown.length) {
      setStatus(`${item.label}: no quote to show.`);
      return;
    }
    for (const evidence of shown) {
      for (const mark of state.marksByEvidence.get(evidence.id)) mark.classList.add("active");
    }
    const target = shown[item.cursor % shown.length];
    item.cursor += 1;
    const marks = state.marksByEvidence.get(target.id);
    const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    reveal(marks[0], reduced ? "auto" : "smooth");
    for (const mark of marks) {
      mark.classList.remove("flash");
      void mark.offsetWidth; // restarts the animation when the same span is chosen again
      mark.classList.add("flash");
      window.setTimeout(() => mark.classList.remove("flash"), 2000); // also when animations are off
    }
    setStatus(shown.length > 1 ? `Quote ${((item.cursor - 1) % shown.length) + 1} of ${shown.length}: ${item.label}` : item.label);
  }

  // Brings a mark to the middle of the article panel. On a wide screen the panel scrolls on
  // its own and only it is moved, so the summary beside it stays where the reader left it.
  function reveal(mark, behavior) {
    const view = $("article-view");
    if (getComputedStyle(view).overflowY === "visible") {
      mark.scrollIntoView({ block: "center", inline: "nearest", behavior });
      return;
    }
    const box = view.getBoundingClientRect();
    const rect = mark.getBoundingClientRect();
    const offset = view.scrollTop + (rect.top - box.top);
    const top = rect.height >= view.clientHeight ? offset - 8 : offset - (view.clientHeight - rect.height) / 2;
    view.scrollTo({ top: Math.max(0, top), behavior });
    const panel = $("article-panel").getBoundingClientRect();
    if (panel.top < 0 || panel.bottom > window.innerHeight) $("article-panel").scrollIntoView({ block: "nearest", behavior });
  }

  function linkCards(event, on) {
    const mark = event.target.closest && event.target.closest("mark.hl");
    if (!mark) return;
    for (const key of (mark.dataset.items || "").split(" ")) {
      const card = state.cardsByItem.get(key);
      if (card) card.classList.toggle("linked", on);
    }
  }

  async function copyJson() {
    if (!state.data) return;
    const text = JSON.stringify(state.data, null, 2);
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      }
    } catch (_) {
      copied = false;
    }
    if (!copied) {
      // Pages served over plain HTTP from another host have no clipboard API.
      const scratch = node("textarea", "scratch");
      scratch.value = text;
      scratch.setAttribute("readonly", "");
      document.body.append(scratch);
      scratch.select();
      try {
        copied = document.execCommand("copy");
      } catch (_) {
        copied = false;
      }
      scratch.remove();
      $("copy-json").focus();
    }
    $("copy-status").textContent = copied ? "JSON copied." : "Copying was refused by the browser.";
  }

  // ---- start -----------------------------------------------------------------------------

  function start() {
    const keyInput = $("api-key");
    try {
      keyInput.value = sessionStorage.getItem(KEY_STORE) || "";
    } catch (_) {
      /* storage may be disabled */
    }
    keyInput.addEventListener("input", () => {
      try {
        if (keyInput.value) sessionStorage.setItem(KEY_STORE, keyInput.value);
        else sessionStorage.removeItem(KEY_STORE);
      } catch (_) {
        /* storage may be disabled */
      }
    });
    $("article-form").addEventListener("submit", submit);
    $("article").addEventListener("input", showDetectedFormat);
    $("article").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("article-form").requestSubmit();
    });
    for (const radio of document.querySelectorAll('input[name="format"]')) radio.addEventListener("change", showDetectedFormat);
    $("file").addEventListener("change", loadFile);
    $("copy-json").addEventListener("click", copyJson);
    const view = $("article-view");
    view.addEventListener("mouseover", (event) => linkCards(event, true));
    view.addEventListener("mouseout", (event) => linkCards(event, false));
    view.addEventListener("animationend", (event) => event.target.classList.remove("flash"));
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

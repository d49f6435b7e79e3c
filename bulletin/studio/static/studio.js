// bulletin studio: a thin client of the JSON API (bulletin/studio/api.py). No framework, no build.
"use strict";

(function () {
  const body = document.body;
  const TOKEN = JSON.parse(body.dataset.token || '""');
  const MAX_UPLOAD = Number(body.dataset.maxUpload || 5242880);
  const LOW_CONFIDENCE = 0.75; // under this, the page asks the producer to check the speaker
  const EDITABLE_KINDS = ["narration", "quote"];
  const PALETTE = ["#b3261e", "#1d5fa8", "#1b7a3a", "#8a4baf", "#b35c00", "#00707a", "#a3175b", "#5b6b00"];
  const FILE_NAMES = {
    mp3: "MP3", vtt: "Captions (WebVTT)", srt: "Captions (SRT)", chapters: "Chapters (JSON)",
    json: "Timeline manifest (JSON)", daisy: "DAISY book (ZIP)", folder: "Numbered files (ZIP)", script: "Script (JSON)",
  };

  const $ = (sel) => document.querySelector(sel);
  let doc = null; // the script under review, as the API returns it
  let voices = {}; // locale -> [{id, label, gender, role}]
  let busy = false;

  function withToken(url) {
    return TOKEN ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN) : url;
  }

  async function api(method, path, payload, raw) {
    const headers = {};
    if (TOKEN) headers["Authorization"] = "Bearer " + TOKEN;
    const init = { method, headers };
    if (raw !== undefined) {
      headers["Content-Type"] = "application/octet-stream";
      init.body = raw;
    } else if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const response = await fetch(path, init);
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        message = (await response.json()).error || message;
      } catch (e) { /* not JSON: keep the status line */ }
      throw new Error(message);
    }
    return response;
  }

  function showError(message) {
    const box = $("#error");
    box.textContent = message;
    box.hidden = !message;
  }

  function say(message) {
    $("#status").textContent = message;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // --- colours: one per speaker, in order of appearance; the anchor in grey ------------------
  function speakerColours() {
    const colours = {};
    let n = 0;
    for (const seg of doc.segments) {
      if (seg.kind === "quote" && seg.speaker && !(seg.speaker in colours)) {
        colours[seg.speaker] = PALETTE[n++ % PALETTE.length];
      }
    }
    return colours;
  }

  function voiceOptions(select, selected) {
    for (const v of voices[doc.locale] || []) {
      const gender = v.gender === "f" ? "female" : v.gender === "m" ? "male" : "neutral";
      const option = el("option", { value: v.id, text: `${v.id} (${gender}${v.role === "anchor" ? ", anchor" : ""})` });
      option.selected = v.id === selected;
      select.append(option);
    }
    return select;
  }

  // --- the script as rows ----------------------------------------------------------------------
  function render() {
    const colours = speakerColours();
    $("#script-panel").hidden = false;
    $("#render-panel").hidden = false;
    $("#script-title").textContent = doc.title + (doc.date ? " — " + doc.date : "");
    const warnings = $("#warnings");
    warnings.replaceChildren(...(doc.warnings || []).map((w) => el("li", { text: w })));

    const names = $("#speaker-names");
    names.replaceChildren(...Object.keys(doc.speakers || {}).map((s) => el("option", { value: s })));

    const table = $("#speakers tbody");
    const rows = [];
    const tableRow = (label, colour, key, current, name) => {
      const id = "table-" + key;
      const select = voiceOptions(el("select", { id, "data-table": key, "data-name": name || "" }), current);
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.setProperty("--who", colour);
      rows.push(el("tr", {}, el("th", { scope: "row" }, swatch, el("label", { for: id, text: label })), el("td", {}, select)));
    };
    tableRow("Anchor (narration, titles)", "#6b6b6b", "anchor", doc.anchor);
    for (const [name, voice] of Object.entries(doc.speakers || {})) {
      if (doc.segments.some((s) => s.kind === "quote" && s.speaker === name)) {
        tableRow(name, colours[name], "speaker-" + Object.keys(doc.speakers).indexOf(name), voice, name);
      }
    }
    if (doc.segments.some((s) => s.kind === "quote" && !s.speaker)) {
      tableRow("Unknown speaker (neutral voice)", "#444", "neutral", doc.neutral);
    }
    table.replaceChildren(...rows);

    const list = $("#segments");
    list.replaceChildren(...doc.segments.map((seg, i) => segmentRow(seg, i, colours)));
  }

  function segmentRow(seg, i, colours) {
    const n = i + 1;
    const quote = seg.kind === "quote";
    const who = quote ? (seg.speaker || "Unknown speaker") : "Anchor";
    const item = el("li", { class: "segment kind-" + seg.kind + (quote && !seg.speaker ? " unknown" : ""), "data-index": i });
    item.style.setProperty("--who", quote ? (seg.speaker ? colours[seg.speaker] : "#444") : "#9a9a9a");

    const head = el("div", { class: "segment-head" });
    head.append(el("span", { class: "num", text: "#" + n }));
    if (EDITABLE_KINDS.includes(seg.kind)) {
      const kind = el("select", { id: "kind-" + i, "data-field": "kind", "data-index": i });
      for (const k of EDITABLE_KINDS) {
        const option = el("option", { value: k, text: k });
        option.selected = k === seg.kind;
        kind.append(option);
      }
      head.append(el("span", { class: "control" }, el("label", { for: "kind-" + i, text: "Kind" }), kind));
    } else {
      head.append(el("span", { class: "badge", text: seg.kind }));
    }
    if (quote) {
      const speaker = el("input", {
        id: "speaker-" + i, "data-field": "speaker", "data-index": i, list: "speaker-names",
        value: seg.speaker || "", placeholder: "unknown", autocomplete: "off",
      });
      head.append(el("span", { class: "control" }, el("label", { for: "speaker-" + i, text: "Speaker" }), speaker));
    } else {
      head.append(el("span", { class: "who", text: who }));
    }
    const voice = voiceOptions(el("select", { id: "voice-" + i, "data-field": "voice", "data-index": i }), seg.voice);
    head.append(el("span", { class: "control" }, el("label", { for: "voice-" + i, text: "Voice" }), voice));
    if (quote) {
      const att = seg.attribution;
      const confidence = att ? att.confidence : 0;
      head.append(el("span", { class: "rule", text: att ? `${att.rule} · ${confidence.toFixed(2)}` : "no rule" }));
      if (!seg.speaker || confidence < LOW_CONFIDENCE) {
        head.append(el("span", { class: "low", text: "⚠ check the speaker" }));
      }
    }
    head.append(el("button", { type: "button", class: "play", "data-index": i, "aria-label": `Play segment ${n}`, text: "▶ Play" }));
    item.append(head);

    const spokenId = "spoken-" + i;
    item.append(el("label", { class: "spoken-label", for: spokenId, text: `Spoken text of segment ${n} (${who})` }));
    const spoken = el("textarea", { id: spokenId, class: "spoken", "data-field": "spoken", "data-index": i, rows: Math.min(6, 1 + Math.ceil(seg.spoken.length / 110)) });
    spoken.value = seg.spoken;
    item.append(spoken);
    if (seg.text && seg.text !== seg.spoken) {
      item.append(el("p", { class: "text" }, el("span", { class: "visually-hidden", text: "Article's words: " }), seg.text));
    }
    return item;
  }

  // --- edits: change the document, let the server resolve it, draw it again ---------------------
  async function resolve(focusId) {
    try {
      const response = await api("POST", "/api/script", { script: doc, preset: $("#preset").value });
      doc = await response.json();
      showError("");
      render();
      say("Script updated");
    } catch (e) {
      showError(e.message);
    }
    if (focusId) {
      const target = document.getElementById(focusId);
      if (target) target.focus();
    }
  }

  function onEdit(event) {
    const target = event.target;
    if (!doc) return;
    if (target.dataset.table) {
      const key = target.dataset.table;
      if (key === "anchor") doc.anchor = target.value;
      else if (key === "neutral") doc.neutral = target.value;
      else doc.speakers[target.dataset.name] = target.value;
      return resolve(target.id);
    }
    const field = target.dataset.field;
    if (!field) return;
    const seg = doc.segments[Number(target.dataset.index)];
    if (field === "kind") {
      seg.kind = target.value;
      if (seg.kind === "quote" && !seg.speaker) seg.speaker = null;
    } else if (field === "speaker") {
      seg.speaker = target.value.trim() || null;
    } else if (field === "voice") {
      seg.voice = target.value; // differs from cast_voice: this segment only
    } else if (field === "spoken") {
      if (seg.spoken === target.value) return;
      seg.spoken = target.value;
    }
    return resolve(target.id);
  }

  // --- the article -------------------------------------------------------------------------------
  async function makeScript(event) {
    event.preventDefault();
    if (busy) return;
    const file = $("#article-file").files[0];
    const text = $("#article-text").value;
    const url = $("#article-url").value.trim();
    const locale = $("#locale").value;
    const preset = $("#preset").value;
    showError("");
    let response;
    busy = true;
    $("#make-script").setAttribute("aria-busy", "true");
    say("Making the script…");
    try {
      if (file) {
        if (file.size > MAX_UPLOAD) throw new Error(`${file.name} is larger than 5 MB; the studio takes up to 5 MB`);
        const query = new URLSearchParams({ filename: file.name, locale, preset });
        response = await api("POST", "/api/script?" + query, undefined, await file.arrayBuffer());
      } else if (text.trim()) {
        response = await api("POST", "/api/script", { text, locale, preset });
      } else if (url) {
        response = await api("POST", "/api/script", { url, locale, preset });
      } else {
        throw new Error("Paste an article, upload a file or give a web page's address.");
      }
      doc = await response.json();
      render();
      say(`Script ready: ${doc.segments.length} segments`);
      $("#script-heading").focus();
    } catch (e) {
      showError(e.message);
    } finally {
      busy = false;
      $("#make-script").removeAttribute("aria-busy");
    }
  }

  // --- hearing a segment -------------------------------------------------------------------------
  async function play(button) {
    const i = Number(button.dataset.index);
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    say(`Synthesising segment ${i + 1}…`);
    try {
      const response = await api("POST", "/api/preview", { segment: doc.segments[i], locale: doc.locale, preset: $("#preset").value });
      const blob = await response.blob();
      const player = $("#player");
      if (player.src) URL.revokeObjectURL(player.src);
      player.src = URL.createObjectURL(blob);
      player.hidden = false;
      player.dataset.segment = String(i + 1);
      say(`Playing segment ${i + 1}`);
      await player.play().catch(() => say(`Segment ${i + 1} is ready: use the player to listen`));
      showError("");
    } catch (e) {
      showError(e.message);
    } finally {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      button.focus();
    }
  }

  // --- rendering ---------------------------------------------------------------------------------
  async function renderBulletin() {
    if (!doc || busy) return;
    busy = true;
    const button = $("#render");
    button.disabled = true;
    const status = $("#render-status");
    const progress = $("#progress");
    const outputs = ["mp3", ...[...document.querySelectorAll("input[name=output]:checked")].map((c) => c.value)];
    $("#downloads").replaceChildren();
    progress.value = 0;
    status.textContent = "Starting the render…";
    showError("");
    try {
      const response = await api("POST", "/api/render", { script: doc, preset: $("#preset").value, outputs: outputs.join(",") });
      const { job } = await response.json();
      let last = "";
      for (;;) {
        await new Promise((r) => setTimeout(r, 400));
        const state = await (await api("GET", "/api/jobs/" + job)).json();
        progress.value = Math.round(state.progress * 100);
        if (state.message !== last && state.state === "running") {
          status.textContent = `${state.message} (${progress.value} %)`;
          last = state.message;
        }
        if (state.state === "done") {
          status.textContent = "Done: the bulletin is ready to download.";
          showDownloads(state.files);
          loadLibrary();
          break;
        }
        if (state.state === "failed") {
          status.textContent = "The render failed: " + state.error;
          showError(state.error);
          break;
        }
      }
    } catch (e) {
      status.textContent = "The render failed: " + e.message;
      showError(e.message);
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  function downloadLinks(files) {
    return Object.entries(files).map(([name, url]) => {
      const file = decodeURIComponent(url.split("/").pop());
      return el("li", {}, el("a", { href: withToken(url), download: file, "data-output": name, text: `${FILE_NAMES[name] || name}: ${file}` }));
    });
  }

  function showDownloads(files) {
    $("#downloads").replaceChildren(...downloadLinks(files));
  }

  // --- the bulletins already made ----------------------------------------------------------------
  async function loadLibrary() {
    const box = $("#library");
    try {
      const data = await (await api("GET", "/api/library")).json();
      const parts = [];
      const area = (title, listing) => {
        parts.push(el("h3", { text: title }));
        if (!listing.bulletins.length) parts.push(el("p", { class: "muted", text: "No bulletin yet." }));
        const list = el("ul", { class: "library" });
        for (const b of listing.bulletins) {
          const links = el("ul", { class: "downloads" }, ...downloadLinks(b.files));
          list.append(el("li", {}, el("span", { class: "library-title", text: b.title }), links));
        }
        parts.push(list);
        if (listing.feeds.length) {
          parts.push(el("p", {}, "Feed: ", ...listing.feeds.map((f) => el("a", { href: withToken(f), text: decodeURIComponent(f.split("/").pop()) }))));
        }
      };
      area("Rendered here", data.out);
      if (data.folder) area("Batch folder " + data.folder.name, data.folder);
      box.replaceChildren(...parts);
    } catch (e) {
      box.replaceChildren(el("p", { class: "muted", text: "Cannot list the bulletins: " + e.message }));
    }
  }

  async function loadVoices() {
    const data = await (await api("GET", "/api/voices")).json();
    voices = data.voices;
    $("#engine").textContent = `Engine: ${data.engine}` + (data.reason && data.reason !== "as given" && data.reason !== "as asked" ? ` (${data.reason})` : "");
  }

  async function addPronunciation(event) {
    event.preventDefault();
    const word = $("#lex-word").value.trim();
    const sayAs = $("#lex-say").value.trim();
    try {
      const response = await api("POST", "/api/lexicon", { word, say: sayAs, script: doc });
      const answer = await response.json();
      if (answer.script) {
        doc = answer.script;
        await resolve("lex-word");
      }
      say(`Saved: ${word} is said ${sayAs} (${answer.saved})`);
      $("#lex-word").value = "";
      $("#lex-say").value = "";
      showError("");
    } catch (e) {
      showError(e.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#article-form").addEventListener("submit", makeScript);
    $("#segments").addEventListener("change", onEdit);
    $("#speakers").addEventListener("change", onEdit);
    $("#segments").addEventListener("click", (event) => {
      const button = event.target.closest("button.play");
      if (button) play(button);
    });
    $("#render").addEventListener("click", renderBulletin);
    $("#refresh-library").addEventListener("click", loadLibrary);
    $("#lexicon-form").addEventListener("submit", addPronunciation);
    loadVoices().catch((e) => showError(e.message));
    loadLibrary();
  });
})();

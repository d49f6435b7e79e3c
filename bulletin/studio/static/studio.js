// bulletin studio: a thin client of the JSON API (bulletin/studio/api.py). No framework, no build.
//
// The page's script is the editor's: every edit changes it at once, here, and is kept in this
// browser (localStorage) with its undo history. The server is asked to check it after a pause in
// typing; its answer (voices resolved, digits said in words) is taken only if nothing was edited
// since the request left, and it never rewrites the box that has the focus. Structural changes
// (split, merge, delete, move, undo, load) redraw the list and put the focus where the editor acts.
"use strict";

(function () {
  const body = document.body;
  const TOKEN = JSON.parse(body.dataset.token || '""');
  const MAX_UPLOAD = Number(body.dataset.maxUpload || 5242880);
  const STORE = "bulletin-studio:draft:v1";
  const LOW_CONFIDENCE = 0.75; // under this, the page asks the producer to check the speaker
  const CHECKED = "checked: "; // an attribution the editor confirmed: its rule, kept, behind this mark
  const EDITOR_RULE = "editor"; // the editor named the speaker
  const SAVE_DELAY = 700; // ms of quiet typing before the script is checked by the server
  const BURST = 1500; // ms: keystrokes closer than this are one step of undo
  const HISTORY = 60;
  const EDITABLE_KINDS = ["narration", "quote"];
  const PALETTE = ["#b3261e", "#1d5fa8", "#1b7a3a", "#8a4baf", "#b35c00", "#00707a", "#a3175b", "#5b6b00"];
  const FILE_NAMES = {
    mp3: "MP3", vtt: "Captions (WebVTT)", srt: "Captions (SRT)", chapters: "Chapters (JSON)",
    json: "Timeline manifest (JSON)", daisy: "DAISY book (ZIP)", folder: "Numbered files (ZIP)", script: "Script (JSON)",
  };

  const $ = (sel) => document.querySelector(sel);
  let doc = null; // the script under review
  let meta = []; // per segment: {pron: pronunciation-only edits, sel: selected}
  let history = [];
  let future = [];
  let version = 0; // bumped by every edit: an answer to an older version is stale
  let requests = 0; // bumped by every check sent: only the latest answer counts
  let saveTimer = null;
  let timelineTimer = null;
  let burst = { key: "", at: 0 };
  let voices = {}; // locale -> [{id, name, label, gender, pitch, role}]
  let timeline = null;
  let lastRender = null; // {version, mp3}
  let chain = null; // index of the segment the player continues with, when playing from the timeline
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

  function seconds(s) {
    const total = Math.round(s);
    const m = Math.floor(total / 60);
    const r = total % 60;
    return m ? `${m} min ${String(r).padStart(2, "0")} s` : `${r} s`;
  }

  // --- the draft: kept in this browser, with undo and redo ------------------------------------
  function snapshot() {
    return JSON.stringify({ doc, meta });
  }

  function restore(state) {
    const parsed = JSON.parse(state);
    doc = parsed.doc;
    meta = parsed.meta;
  }

  function persist() {
    try {
      localStorage.setItem(STORE, JSON.stringify({ doc, meta, history: history.slice(-HISTORY), future: future.slice(-HISTORY) }));
    } catch (e) {
      say("This browser cannot keep the draft: save the script to keep your edits");
    }
  }

  function remember() {
    history.push(snapshot());
    if (history.length > HISTORY) history.shift();
    future = [];
    updateUndo();
  }

  function updateUndo() {
    $("#undo").disabled = !history.length;
    $("#redo").disabled = !future.length;
  }

  // Every edit: a new version, kept in the browser, checked by the server after a pause.
  function changed() {
    version++;
    persist();
    updateUndo();
    setSaveState("Edited: checking after a pause…");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(check, SAVE_DELAY);
  }

  function setSaveState(text) {
    $("#save-state").textContent = text;
  }

  function fresh(newDoc) {
    doc = newDoc;
    meta = doc.segments.map(() => ({ pron: false, sel: false }));
    history = [];
    future = [];
    version++;
    persist();
    updateUndo();
  }

  function undo(redo) {
    const from = redo ? future : history;
    const to = redo ? history : future;
    if (!from.length) return;
    const active = document.activeElement;
    to.push(snapshot());
    restore(from.pop());
    burst = { key: "", at: 0 };
    draw();
    changed();
    if (active && active.id && document.getElementById(active.id)) document.getElementById(active.id).focus();
    say(redo ? "Redone" : "Undone");
  }

  // --- the server's check of the script ---------------------------------------------------------
  async function check() {
    if (!doc) return;
    const sent = version;
    const mine = ++requests;
    setSaveState("Checking the script…");
    try {
      const response = await api("POST", "/api/script", { script: doc, preset: $("#preset").value });
      const answer = await response.json();
      if (mine !== requests || sent !== version) return; // stale: the editor has moved on
      doc = answer;
      persist();
      refresh();
      showError("");
      setSaveState("Script checked");
      scheduleTimeline(0);
    } catch (e) {
      if (mine !== requests || sent !== version) return;
      setSaveState("The script has a problem");
      showError(e.message);
    }
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

  function voiceText(v) {
    const gender = v.gender === "f" ? "female" : v.gender === "m" ? "male" : "neutral";
    const pitch = typeof v.pitch === "number" ? `, ${Math.round(v.pitch)} Hz` : "";
    const name = v.label && v.label !== v.name ? `${v.name}: ${v.label}` : v.name || v.id;
    return `${name} (${gender}${pitch}${v.role === "anchor" ? ", anchor" : ""})`;
  }

  function voiceOptions(select, selected) {
    const list = voices[doc.locale] || [];
    for (const v of list) {
      const option = el("option", { value: v.id, text: voiceText(v) });
      option.selected = v.id === selected;
      select.append(option);
    }
    if (selected && !list.some((v) => v.id === selected)) {
      select.append(el("option", { value: selected, text: selected, selected: true }));
    }
    return select;
  }

  function isChecked(seg) {
    return !!(seg.attribution && (seg.attribution.rule.startsWith(CHECKED) || seg.attribution.rule === EDITOR_RULE));
  }

  function flagged(seg) {
    if (seg.kind !== "quote") return false;
    if (!seg.speaker) return true;
    const confidence = seg.attribution ? seg.attribution.confidence : 0;
    return confidence < LOW_CONFIDENCE && !isChecked(seg);
  }

  function who(seg) {
    return seg.kind === "quote" ? (seg.speaker || "unknown speaker") : seg.kind === "narration" ? "anchor" : seg.kind;
  }

  // --- drawing -----------------------------------------------------------------------------------
  function draw() {
    $("#script-panel").hidden = false;
    $("#render-panel").hidden = false;
    $("#segments").replaceChildren(...doc.segments.map((seg, i) => segmentRow(i)));
    refresh();
  }

  // Bring every row up to date with ``doc`` without touching the control that has the focus.
  function refresh() {
    const colours = speakerColours();
    $("#script-title").textContent = doc.title + (doc.date ? " — " + doc.date : "");
    $("#warnings").replaceChildren(...(doc.warnings || []).map((w) => el("li", { text: w })));
    $("#speaker-names").replaceChildren(...Object.keys(doc.speakers || {}).map((s) => el("option", { value: s })));
    const rows = $("#segments").children;
    doc.segments.forEach((seg, i) => rows[i] && updateRow(rows[i], seg, i, colours));
    if (!$("#speakers").contains(document.activeElement)) drawSpeakers(colours);
    drawTimeline();
  }

  // A box the editor is typing in is never rewritten; a menu may be (it is not typed in).
  function setValue(node, value) {
    const typing = node === document.activeElement && node.tagName !== "SELECT";
    if (!typing && node.value !== value) node.value = value;
  }

  function drawSpeakers(colours) {
    const rows = [];
    const tableRow = (label, colour, key, current, name) => {
      const id = "table-" + key;
      const select = voiceOptions(el("select", { id, "data-table": key, "data-name": name || "" }), current);
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.setProperty("--who", colour);
      const sample = el("button", { type: "button", class: "sample", "data-for": id, "aria-label": `Hear the voice of ${label}`, text: "▶" });
      rows.push(el("tr", {}, el("th", { scope: "row" }, swatch, el("label", { for: id, text: `Voice of ${label}` })),
        el("td", {}, select), el("td", {}, sample)));
    };
    tableRow("the anchor (narration, titles)", "#6b6b6b", "anchor", doc.anchor);
    Object.entries(doc.speakers || {}).forEach(([name, voice], k) => {
      if (doc.segments.some((s) => s.kind === "quote" && s.speaker === name)) {
        tableRow(name, colours[name], "speaker-" + k, voice, name);
      }
    });
    if (doc.segments.some((s) => s.kind === "quote" && !s.speaker)) {
      tableRow("an unknown speaker (neutral voice)", "#444", "neutral", doc.neutral);
    }
    $("#speakers tbody").replaceChildren(...rows);
  }

  function segmentRow(i) {
    const seg = doc.segments[i];
    const n = i + 1;
    const item = el("li", { class: "segment", "data-index": i, "aria-label": `Segment ${n}` });
    const head = el("div", { class: "segment-head" });
    head.append(el("span", { class: "select" }, el("input", { type: "checkbox", id: "select-" + i, "data-field": "sel", "data-index": i }),
      el("label", { for: "select-" + i, class: "visually-hidden", text: `Select segment ${n}` })));
    head.append(el("span", { class: "num", "aria-hidden": "true", text: "#" + n }));
    if (EDITABLE_KINDS.includes(seg.kind)) {
      const kind = el("select", { id: "kind-" + i, "data-field": "kind", "data-index": i });
      for (const k of EDITABLE_KINDS) kind.append(el("option", { value: k, text: k }));
      head.append(el("span", { class: "control" }, el("label", { for: "kind-" + i, text: `Kind of segment ${n}` }), kind));
      const speaker = el("input", {
        id: "speaker-" + i, "data-field": "speaker", "data-index": i, list: "speaker-names",
        placeholder: "unknown", autocomplete: "off", lang: "fr",
      });
      head.append(el("span", { class: "control speaker-control" }, el("label", { for: "speaker-" + i, text: `Speaker of segment ${n}` }), speaker));
    } else {
      head.append(el("span", { class: "badge", text: seg.kind }));
    }
    head.append(el("span", { class: "who" }));
    const voice = voiceOptions(el("select", { id: "voice-" + i, "data-field": "voice", "data-index": i }), seg.voice);
    head.append(el("span", { class: "control" }, el("label", { for: "voice-" + i, text: `Voice of segment ${n}` }), voice,
      el("button", { type: "button", class: "sample", "data-for": "voice-" + i, "aria-label": `Hear the voice of segment ${n}`, text: "▶" })));
    const attribution = el("span", { class: "attribution" },
      el("span", { class: "rule" }),
      el("span", { class: "low", text: "⚠ check the speaker" }),
      el("span", { class: "checked-box" }, el("input", { type: "checkbox", id: "checked-" + i, "data-field": "checked", "data-index": i }),
        el("label", { for: "checked-" + i, text: `Segment ${n}: speaker checked` })));
    head.append(attribution);
    head.append(el("button", { type: "button", class: "play", "data-index": i, "aria-label": `Play segment ${n}`, text: "▶ Play" }));
    item.append(head);

    const spokenId = "spoken-" + i;
    item.append(el("label", { class: "spoken-label", for: spokenId, id: "spoken-label-" + i }));
    item.append(el("textarea", { id: spokenId, class: "spoken", "data-field": "spoken", "data-index": i, lang: "fr",
      rows: Math.min(6, 1 + Math.ceil(seg.spoken.length / 110)) }));
    const tools = el("div", { class: "segment-tools" });
    tools.append(el("span", { class: "pron" }, el("input", { type: "checkbox", id: "pron-" + i, "data-field": "pron", "data-index": i }),
      el("label", { for: "pron-" + i, text: `Pronunciation only (segment ${n}'s captions keep their words)` })));
    const op = (name, label, text) => el("button", { type: "button", class: "op", "data-op": name, "data-index": i, "aria-label": label, text });
    tools.append(
      op("split", `Split segment ${n} at the cursor`, "Split"),
      op("merge", `Merge segment ${n} with the next`, "Merge"),
      op("up", `Move segment ${n} up`, "↑"),
      op("down", `Move segment ${n} down`, "↓"),
      op("delete", `Delete segment ${n}`, "Delete"),
    );
    item.append(tools);
    item.append(el("p", { class: "text", id: "text-" + i }, el("span", { class: "text-label", text: "Captions: " }), el("span", { class: "words", lang: "fr" })));
    return item;
  }

  function updateRow(item, seg, i, colours) {
    const n = i + 1;
    const quote = seg.kind === "quote";
    item.className = "segment kind-" + seg.kind + (quote && !seg.speaker ? " unknown" : "");
    item.style.setProperty("--who", quote ? (seg.speaker ? colours[seg.speaker] : "#444") : "#9a9a9a");
    const kind = item.querySelector("[data-field=kind]");
    if (kind) setValue(kind, seg.kind);
    const speaker = item.querySelector("[data-field=speaker]");
    if (speaker) {
      speaker.closest(".control").hidden = !quote;
      setValue(speaker, seg.speaker || "");
    }
    item.querySelector(".who").textContent = seg.kind === "narration" ? who(seg) : "";
    setValue(item.querySelector("[data-field=voice]"), seg.voice || "");
    const att = seg.attribution;
    item.querySelector(".attribution").hidden = !quote;
    const rule = att ? att.rule.replace(CHECKED, "") : "";
    item.querySelector(".rule").textContent = att ? `${rule} · ${att.confidence.toFixed(2)}` : "no rule";
    item.querySelector(".low").hidden = !flagged(seg);
    const checked = item.querySelector("[data-field=checked]");
    checked.checked = isChecked(seg);
    item.querySelector(".spoken-label").textContent = `Spoken text of segment ${n} (${who(seg)})`;
    setValue(item.querySelector("[data-field=spoken]"), seg.spoken);
    item.querySelector("[data-field=pron]").checked = !!(meta[i] && meta[i].pron);
    item.querySelector("[data-field=sel]").checked = !!(meta[i] && meta[i].sel);
    item.querySelector("[data-op=merge]").disabled = i === doc.segments.length - 1;
    item.querySelector("[data-op=up]").disabled = i === 0;
    item.querySelector("[data-op=down]").disabled = i === doc.segments.length - 1;
    item.querySelector("[data-op=delete]").disabled = doc.segments.length === 1;
    const text = item.querySelector(".text");
    text.hidden = !seg.text || seg.text === seg.spoken;
    text.querySelector(".words").textContent = seg.text;
  }

  // --- the timeline ------------------------------------------------------------------------------
  function scheduleTimeline(delay) {
    clearTimeout(timelineTimer);
    timelineTimer = setTimeout(loadTimeline, delay);
  }

  async function loadTimeline() {
    if (!doc) return;
    const sent = version;
    try {
      const answer = await (await api("POST", "/api/timeline", { script: doc, preset: $("#preset").value })).json();
      if (sent !== version || answer.segments.length !== doc.segments.length) return;
      timeline = answer;
      drawTimeline();
    } catch (e) { /* the check of the script says what is wrong */ }
  }

  function parseTarget(text) {
    const m = /^\s*(?:(\d+)\s*[:m]\s*)?(\d+)\s*s?\s*$/.exec(text || "");
    return m ? Number(m[1] || 0) * 60 + Number(m[2]) : null;
  }

  function drawTimeline() {
    const list = $("#timeline");
    const total = $("#timeline-total");
    if (!timeline || timeline.segments.length !== doc.segments.length) {
      list.replaceChildren();
      total.textContent = "Timing…";
      return;
    }
    // A mark that has the focus keeps it: the new mark of the same segment takes it over.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.index : null;
    list.replaceChildren(...timeline.segments.map((t, i) => {
      const n = i + 1;
      const how = t.measured ? "measured" : "estimated";
      const button = el("button", { type: "button", class: "tick" + (t.measured ? "" : " estimated"), "data-index": i,
        "aria-label": `Play from segment ${n} (${t.seconds.toFixed(1)} s, ${how}, starts at ${seconds(t.start)})`, text: `${n}` });
      const item = el("li", { title: `Segment ${n}: ${t.seconds.toFixed(1)} s (${how})` }, button);
      item.style.flexGrow = String(Math.max(t.seconds, 0.3));
      item.style.setProperty("--who", getComputedStyle($("#segments").children[i] || body).getPropertyValue("--who") || "#9a9a9a");
      return item;
    }));
    if (focused !== null) {
      const again = list.querySelector(`button.tick[data-index="${focused}"]`);
      if (again) again.focus();
    }
    const target = parseTarget($("#target").value);
    let text = `Total: ${seconds(timeline.total)}${timeline.measured ? "" : " (estimated until every clip is spoken)"}`;
    if (target) {
      const left = target - timeline.total;
      text += ` of a ${seconds(target)} slot: ` + (left >= 0 ? `${seconds(left)} left` : `${seconds(-left)} too long`);
      total.classList.toggle("over", left < 0);
    } else {
      total.classList.remove("over");
    }
    total.textContent = text;
    total.dataset.seconds = String(timeline.total);
    total.dataset.measured = String(timeline.measured);
  }

  async function playFrom(i) {
    const player = $("#player");
    if (lastRender && lastRender.version === version && timeline) {
      chain = null;
      if (player.dataset.src !== lastRender.mp3) {
        player.src = withToken(lastRender.mp3);
        player.dataset.src = lastRender.mp3;
      }
      player.hidden = false;
      player.currentTime = timeline.segments[i].start;
      say(`Playing the bulletin from segment ${i + 1}`);
      await player.play().catch(() => say("Use the player to listen"));
      return;
    }
    chain = i;
    await preview(i);
  }

  // --- edits -------------------------------------------------------------------------------------
  function segOf(target) {
    return Number(target.dataset.index);
  }

  function onInput(event) {
    const target = event.target;
    if (!doc || target.dataset.field !== "spoken") return;
    const i = segOf(target);
    const seg = doc.segments[i];
    const now = Date.now();
    const key = "spoken-" + i;
    if (burst.key !== key || now - burst.at > BURST) remember();
    burst = { key, at: now };
    seg.spoken = target.value;
    // What is said is what the captions and transcript show, unless the edit only fixes a
    // pronunciation. The punctuation that ties a segment to the one before it (", a déclaré…")
    // stays: the transcript joins them by it.
    if (!meta[i].pron) seg.text = joiner(seg.text, target.value) + target.value.trimStart();
    changed();
  }

  function onChange(event) {
    const target = event.target;
    if (!doc) return;
    if (target.dataset.table) {
      remember();
      const key = target.dataset.table;
      if (key === "anchor") doc.anchor = target.value;
      else if (key === "neutral") doc.neutral = target.value;
      else doc.speakers[target.dataset.name] = target.value;
      changed();
      return;
    }
    const field = target.dataset.field;
    if (!field || field === "spoken") return;
    const i = segOf(target);
    const seg = doc.segments[i];
    if (field === "sel") {
      meta[i].sel = target.checked;
      persist();
      return;
    }
    if (field === "pron") {
      meta[i].pron = target.checked;
      persist();
      return;
    }
    remember();
    if (field === "kind") {
      seg.kind = target.value;
      if (seg.kind === "quote" && !seg.speaker) seg.speaker = null;
    } else if (field === "speaker") {
      seg.speaker = target.value.trim() || null;
      // The editor named the speaker: that is an attribution they vouch for.
      seg.attribution = seg.speaker ? { rule: EDITOR_RULE, confidence: 1 } : null;
    } else if (field === "voice") {
      seg.voice = target.value; // differs from cast_voice: this segment only
    } else if (field === "checked") {
      const att = seg.attribution || { rule: "unknown", confidence: 0 };
      const rule = att.rule.startsWith(CHECKED) ? att.rule.slice(CHECKED.length) : att.rule;
      seg.attribution = { rule: target.checked ? CHECKED + rule : rule, confidence: att.confidence };
    }
    changed();
    refresh();
  }

  function joiner(text, spoken) {
    const lead = /^[,;:.)]\s*/.exec(text || "");
    return lead && !/^[,;:.)]/.test(spoken.trimStart()) ? lead[0] : "";
  }

  function cloneSeg(seg, spoken) {
    const copy = JSON.parse(JSON.stringify(seg));
    copy.spoken = spoken;
    copy.text = spoken;
    delete copy.sentences;
    return copy;
  }

  function focusLater(id) {
    const node = document.getElementById(id);
    if (node) node.focus();
  }

  function operate(button) {
    const i = segOf(button);
    const n = i + 1;
    const segs = doc.segments;
    const op = button.dataset.op;
    if (op === "split") {
      const box = document.getElementById("spoken-" + i);
      const s = box.value;
      const a = box.selectionStart;
      const b = box.selectionEnd;
      const cuts = a < b ? [s.slice(0, a), s.slice(a, b), s.slice(b)] : [s.slice(0, a), s.slice(a)];
      const pieces = cuts.map((p) => p.trim()).filter((p) => p);
      if (pieces.length < 2) {
        showError(`To split segment ${n}, put the cursor between two words of its spoken text, or select words.`);
        box.focus();
        return;
      }
      remember();
      const made = pieces.map((p) => cloneSeg(segs[i], p));
      segs.splice(i, 1, ...made);
      meta.splice(i, 1, ...made.map(() => ({ pron: meta[i].pron, sel: false })));
      const middle = a < b && cuts[0].trim() ? i + 1 : i + (a < b ? 0 : 1);
      draw();
      changed();
      showError("");
      // A selection split out is there to be given to someone: its kind comes first.
      focusLater(a < b ? (document.getElementById("kind-" + middle) ? "kind-" + middle : "spoken-" + middle) : "spoken-" + (i + 1));
      say(`Segment ${n} split in ${made.length}`);
    } else if (op === "merge") {
      if (i + 1 >= segs.length) return;
      remember();
      const a = segs[i];
      const b = segs[i + 1];
      const join = (x, y) => [x, y].filter((t) => t && t.trim()).join(" ");
      const merged = JSON.parse(JSON.stringify(a));
      merged.spoken = join(a.spoken, b.spoken);
      merged.text = join(a.text, b.text);
      if (a.sentences && b.sentences) merged.sentences = [...a.sentences, ...b.sentences];
      else delete merged.sentences;
      segs.splice(i, 2, merged);
      meta.splice(i, 2, { pron: meta[i].pron && meta[i + 1].pron, sel: false });
      draw();
      changed();
      focusLater("spoken-" + i);
      say(`Segments ${n} and ${n + 1} merged`);
    } else if (op === "delete") {
      if (segs.length === 1) return;
      remember();
      segs.splice(i, 1);
      meta.splice(i, 1);
      draw();
      changed();
      focusLater("spoken-" + Math.min(i, segs.length - 1));
      say(`Segment ${n} deleted`);
    } else if (op === "up" || op === "down") {
      const j = op === "up" ? i - 1 : i + 1;
      if (j < 0 || j >= segs.length) return;
      remember();
      [segs[i], segs[j]] = [segs[j], segs[i]];
      [meta[i], meta[j]] = [meta[j], meta[i]];
      draw();
      changed();
      const again = document.querySelector(`#segments [data-op=${op}][data-index="${j}"]`);
      if (again && !again.disabled) again.focus();
      else focusLater("spoken-" + j);
      say(`Segment ${n} moved to ${j + 1}`);
    }
  }

  function applyToSelection() {
    const kind = $("#bulk-kind").value;
    const speaker = $("#bulk-speaker").value.trim();
    const chosen = meta.map((m, i) => (m.sel ? i : -1)).filter((i) => i >= 0);
    if (!chosen.length) {
      showError("Tick “Select segment …” on the segments to change first.");
      return;
    }
    if (!kind && !speaker) {
      showError("Choose a kind or type a speaker for the selected segments.");
      return;
    }
    remember();
    for (const i of chosen) {
      const seg = doc.segments[i];
      if (!EDITABLE_KINDS.includes(seg.kind)) continue;
      if (kind) seg.kind = kind;
      if (speaker && seg.kind === "quote") {
        seg.speaker = speaker;
        seg.attribution = { rule: EDITOR_RULE, confidence: 1 };
      }
    }
    showError("");
    refresh();
    changed();
    say(`${chosen.length} segments changed`);
  }

  // --- the article, and scripts saved as files ---------------------------------------------------
  async function makeScript(event) {
    event.preventDefault();
    if (busy || !mayReplace()) return;
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
      start(await response.json());
      say(`Script ready: ${doc.segments.length} segments`);
      $("#script-heading").focus();
    } catch (e) {
      showError(e.message);
    } finally {
      busy = false;
      $("#make-script").removeAttribute("aria-busy");
    }
  }

  // Replacing a script the editor has changed asks first: the edits would be gone.
  function mayReplace() {
    return !doc || !history.length || window.confirm("Replace the script you edited? Your edits to it will be lost (use “Save script” first to keep them).");
  }

  function start(newDoc) {
    requests++; // answers about the previous script are stale
    clearTimeout(saveTimer);
    fresh(newDoc);
    timeline = null;
    lastRender = null;
    draw();
    setSaveState("Script checked");
    scheduleTimeline(0);
  }

  function saveScript() {
    if (!doc) return;
    const blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
    const slug = (doc.title || "script").normalize("NFKD").replace(/[^\w]+/g, "-").replace(/^-|-$/g, "").toLowerCase() || "script";
    const link = el("a", { href: URL.createObjectURL(blob), download: `${doc.date ? doc.date + "-" : ""}${slug}.script.json` });
    body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    say("Script saved to your downloads");
  }

  async function loadScript() {
    const file = $("#load-script").files[0];
    if (!file) return;
    if (!mayReplace()) {
      $("#load-script").value = "";
      return;
    }
    showError("");
    try {
      let parsed;
      try {
        parsed = JSON.parse(await file.text());
      } catch (e) {
        throw new Error(`${file.name} is not a script: it is not valid JSON`);
      }
      const response = await api("POST", "/api/script", { script: parsed, preset: $("#preset").value });
      start(await response.json());
      say(`Script ${file.name} loaded: ${doc.segments.length} segments`);
      $("#script-heading").focus();
    } catch (e) {
      showError(e.message);
    } finally {
      $("#load-script").value = "";
    }
  }

  // --- hearing -----------------------------------------------------------------------------------
  async function playBlob(response, what) {
    const blob = await response.blob();
    const player = $("#player");
    if (player.src && player.src.startsWith("blob:")) URL.revokeObjectURL(player.src);
    player.src = URL.createObjectURL(blob);
    player.dataset.src = "";
    player.hidden = false;
    say(`Playing ${what}`);
    await player.play().catch(() => say(`${what} is ready: use the player to listen`));
  }

  async function preview(i, button) {
    if (button) {
      button.setAttribute("aria-busy", "true");
    }
    say(`Synthesising segment ${i + 1}…`);
    try {
      const response = await api("POST", "/api/preview", { segment: doc.segments[i], locale: doc.locale, preset: $("#preset").value });
      $("#player").dataset.segment = String(i + 1);
      await playBlob(response, `segment ${i + 1}`);
      showError("");
    } catch (e) {
      chain = null;
      showError(e.message);
    } finally {
      if (button) button.removeAttribute("aria-busy");
    }
  }

  async function sample(button) {
    const select = document.getElementById(button.dataset.for);
    if (!select || !doc) return;
    button.setAttribute("aria-busy", "true");
    try {
      const response = await api("POST", "/api/sample", { voice: select.value, locale: doc.locale, preset: $("#preset").value });
      await playBlob(response, `a sample of ${select.value}`);
      showError("");
    } catch (e) {
      showError(e.message);
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  // --- rendering ---------------------------------------------------------------------------------
  async function renderBulletin() {
    const button = $("#render");
    // The button stays enabled and focused while the render runs (a disabled button drops the
    // focus to the page's body); a second press while busy is ignored.
    if (!doc || busy) return;
    busy = true;
    button.setAttribute("aria-disabled", "true");
    const status = $("#render-status");
    const progress = $("#progress");
    const outputs = ["mp3", ...[...document.querySelectorAll("input[name=output]:checked")].map((c) => c.value)];
    $("#downloads").replaceChildren();
    progress.value = 0;
    status.textContent = "Starting the render…";
    showError("");
    const rendered = version;
    try {
      const response = await api("POST", "/api/render", { script: doc, preset: $("#preset").value, outputs: outputs.join(","), replace: $("#replace").checked });
      const { job, name } = await response.json();
      let last = "";
      for (;;) {
        await new Promise((r) => setTimeout(r, 400));
        const state = await (await api("GET", "/api/jobs/" + job)).json();
        progress.value = Math.round(state.progress * 100);
        if (state.message !== last && (state.state === "running" || state.state === "queued")) {
          status.textContent = `${name}: ${state.message} (${progress.value} %)`;
          last = state.message;
        }
        if (state.state === "done") {
          status.textContent = `Done: ${name} is ready to download.`;
          lastRender = { version: rendered, mp3: state.files.mp3 };
          showDownloads(state.files);
          loadLibrary();
          scheduleTimeline(0);
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
      button.removeAttribute("aria-disabled");
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
          list.append(el("li", {}, el("span", { class: "library-title", lang: "fr", text: b.title }), links));
        }
        if (listing.bulletins.length) parts.push(list);
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
        remember();
        doc = answer.script;
        refresh();
        changed();
      }
      say(`Saved: ${word} is said ${sayAs} (${answer.saved})`);
      $("#lex-word").value = "";
      $("#lex-say").value = "";
      $("#lex-word").focus();
      showError("");
    } catch (e) {
      showError(e.message);
    }
  }

  function restoreDraft() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (e) { /* a broken draft is no draft */ }
    if (!stored || !stored.doc || !Array.isArray(stored.doc.segments)) return;
    doc = stored.doc;
    meta = Array.isArray(stored.meta) && stored.meta.length === doc.segments.length ? stored.meta : doc.segments.map(() => ({ pron: false, sel: false }));
    history = stored.history || [];
    future = stored.future || [];
    updateUndo();
    draw();
    setSaveState("Your edits were restored from this browser");
    say("Your edits were restored");
    scheduleTimeline(0);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#article-form").addEventListener("submit", makeScript);
    $("#segments").addEventListener("input", onInput);
    $("#segments").addEventListener("change", onChange);
    $("#speakers").addEventListener("change", onChange);
    $("#segments").addEventListener("click", (event) => {
      const play = event.target.closest("button.play");
      if (play) {
        chain = null;
        preview(Number(play.dataset.index), play);
      }
      const op = event.target.closest("button.op");
      if (op && !op.disabled) operate(op);
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button.sample");
      if (button) sample(button);
    });
    $("#timeline").addEventListener("click", (event) => {
      const tick = event.target.closest("button.tick");
      if (tick) playFrom(Number(tick.dataset.index));
    });
    $("#player").addEventListener("ended", () => {
      if (chain !== null && doc && chain + 1 < doc.segments.length) {
        chain += 1;
        preview(chain);
      } else {
        chain = null;
      }
    });
    $("#target").addEventListener("input", drawTimeline);
    $("#undo").addEventListener("click", () => undo(false));
    $("#redo").addEventListener("click", () => undo(true));
    $("#save-script").addEventListener("click", saveScript);
    $("#load-script").addEventListener("change", loadScript);
    $("#bulk-apply").addEventListener("click", applyToSelection);
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest && event.target.closest("textarea, input, select");
      if (typing || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      if (event.key.toLowerCase() === "z") {
        event.preventDefault();
        undo(event.shiftKey);
      } else if (event.key.toLowerCase() === "y") {
        event.preventDefault();
        undo(true);
      }
    });
    $("#render").addEventListener("click", renderBulletin);
    $("#refresh-library").addEventListener("click", loadLibrary);
    $("#lexicon-form").addEventListener("submit", addPronunciation);
    loadVoices().then(restoreDraft).catch((e) => showError(e.message));
    loadLibrary();
  });
})();

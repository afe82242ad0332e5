// The door page. Without this script every form still works (the server answers with a page);
// with it, a scan is answered in place, the scan field keeps the focus for a hardware scanner (it
// types the code and Enter), the camera reads QR codes where the browser has BarcodeDetector, and
// the page keeps deciding offline from the admit list the server computed (it only looks codes up,
// it never applies a rule itself). Offline scans wait in IndexedDB and are sent when the network
// returns. The admit list is dropped when it expires and on sign-out. A service worker
// (door-worker.js) keeps the page itself, so a reload without the network reopens it.
(function () {
  "use strict";
  const root = document.getElementById("door");
  if (!root) return;
  const data = root.dataset;
  const scanForm = document.getElementById("scan-form");
  const field = document.getElementById("scan-code");
  const verdict = document.getElementById("verdict");
  const undoForm = document.getElementById("undo-form");
  const searchForm = document.getElementById("search-form");
  const results = document.getElementById("search-results");
  const network = document.getElementById("network");
  const queueLabel = document.getElementById("queue");
  const csrf = scanForm.querySelector("input[name='csrfmiddlewaretoken']").value;
  const doorKey = data.doorKey;
  const LIST_REFRESH_MS = 60 * 1000;
  const STATUS_REFRESH_MS = 15 * 1000;

  let admitList = null; // {expires, signature, entries: {sha256: {...}}}
  let online = navigator.onLine;
  let serverCount = null; // the checked-in count the server last gave; offline admissions are added to it
  const banner = document.getElementById("offline-banner");
  const searchNote = document.getElementById("search-note");
  const PAGE_CACHE = "door-pages";

  // ------------------------------------------------------------------ IndexedDB (the queue and the list)
  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open("door", 1);
      request.onupgradeneeded = function () {
        const db = request.result;
        db.createObjectStore("lists");
        db.createObjectStore("queue", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  const dbReady = ("indexedDB" in window) ? openDb() : Promise.reject(new Error("no IndexedDB"));

  function store(name, mode, work) {
    return dbReady.then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(name, mode);
        const result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  const saveList = function (list) { return store("lists", "readwrite", function (s) { return s.put(list, doorKey); }); };
  const loadList = function () { return store("lists", "readonly", function (s) { return s.get(doorKey); }); };
  const dropLists = function () { return store("lists", "readwrite", function (s) { return s.clear(); }); };
  const enqueue = function (scan) { return store("queue", "readwrite", function (s) { return s.put(scan); }); };
  const queued = function () { return store("queue", "readonly", function (s) { return s.getAll(); }); };
  const dequeue = function (ids) {
    return store("queue", "readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); });
  };

  // ------------------------------------------------------------------ helpers
  function normalize(code) { return code.replace(/\s+/g, "").toUpperCase(); }

  async function sha256(text) {
    const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(bytes)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function placeFields() {
    return { event: data.event, session: data.session, door: data.door };
  }

  function setText(id, text) { document.getElementById(id).textContent = text || ""; }

  function setOnline(state) {
    online = state;
    network.dataset.state = state ? "online" : "offline";
    network.textContent = state ? data.textOnline : data.textOfflineShort;
    banner.hidden = state;
  }

  function showAttendance(attendance) {
    if (!attendance) return;
    serverCount = attendance.checked_in;
    setText("attendance-expected", String(attendance.expected));
    showQueue().catch(function () {});
  }

  // An admission counts at once; the server's exact counts (other doors' admissions, undos) come
  // with the next status refresh, so a scan's answer carries none (two queries fewer per admission).
  function countAdmission(answer) {
    if (!answer || !answer.admit || !answer.check_in) return;
    if (serverCount === null) serverCount = parseInt(document.getElementById("attendance-count").textContent, 10) || 0;
    serverCount += 1;
    showQueue().catch(function () {});
  }

  // The count: the server's, plus the admissions still waiting in this door's queue.
  function showCount(waiting) {
    if (serverCount === null) serverCount = parseInt(document.getElementById("attendance-count").textContent, 10) || 0;
    const pending = waiting.filter(function (s) { return s.admitted; }).length;
    setText("attendance-count", String(serverCount + pending));
  }

  function focusScan() {
    if (verdict.hidden) field.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ the answer
  function show(answer, offline) {
    verdict.classList.remove("verdict-undone");
    verdict.classList.toggle("verdict-admit", !!answer.admit);
    verdict.classList.toggle("verdict-refuse", !answer.admit);
    setText("verdict-word", answer.admit ? data.textAdmit : data.textRefuse);
    const photo = document.getElementById("verdict-photo");
    if (answer.photo) { photo.src = answer.photo; photo.hidden = false; } else { photo.removeAttribute("src"); photo.hidden = true; }
    setText("verdict-warning", answer.warning);
    setText("verdict-name", answer.name);
    setText("verdict-passport-name", answer.passport_name);
    setText("verdict-affiliation", answer.affiliation);
    setText("verdict-type", answer.type);
    setText("verdict-message", answer.message);
    const offlineMark = document.getElementById("verdict-offline");
    offlineMark.hidden = !offline;
    offlineMark.textContent = offline ? data.textOffline : "";
    // An admission, or an "already checked in" naming the standing check-in: either may be undone.
    undoForm.hidden = !answer.check_in;
    document.getElementById("undo-check-in").value = answer.check_in || "";
    document.getElementById("undo-reason").value = "";
    verdict.hidden = false;
    verdict.focus();
  }

  function closeVerdict(event) {
    if (event) event.preventDefault();
    verdict.hidden = true;
    field.value = "";
    focusScan();
  }

  // ------------------------------------------------------------------ scanning
  async function scanOnline(code) {
    const body = new FormData(scanForm);
    body.set("code", code);
    const response = await fetch(data.scanUrl, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
    });
    const answer = await response.json();
    if (!response.ok) return { admit: false, message: answer.error || response.statusText };
    countAdmission(answer);
    return answer;
  }

  async function scanOffline(code) {
    if (!admitList || new Date(admitList.expires) < new Date()) {
      return { admit: false, message: data.textNoList };
    }
    const key = await sha256(code);
    const entry = admitList.entries[key];
    if (!entry) return { admit: false, message: data.textNotListed };
    const answer = Object.assign({}, entry);
    if (entry.admit) {
      // Admitted here: a second scan at this door is refused until the server has the check-in.
      entry.admit = false;
      entry.reason = "already_checked_in";
      entry.message = data.textAlreadyOffline;
      await saveList(admitList).catch(function () {});
    }
    // Keys sort in scan order (IndexedDB returns them sorted): the time first, then a random part.
    const random = (crypto.randomUUID && crypto.randomUUID()) || String(Math.random()).slice(2);
    const id = Date.now().toString(36).padStart(10, "0") + "-" + random;
    await enqueue({ id: id, code: code, at: new Date().toISOString(), admitted: !!answer.admit, door: doorKey });
    await showQueue();
    return answer;
  }

  async function scan(raw) {
    const code = normalize(raw);
    if (!code) return;
    field.value = "";
    let answer = null;
    let offline = false;
    if (online) {
      try {
        answer = await scanOnline(code);
      } catch (error) {
        setOnline(false); // the request never reached the server
      }
    }
    if (answer === null) {
      offline = true;
      answer = await scanOffline(code);
    }
    show(answer, offline);
  }

  scanForm.addEventListener("submit", function (event) {
    event.preventDefault();
    scan(field.value);
  });

  // Keep the focus in the scan field (a hardware scanner types into whatever has it), except while
  // someone is typing elsewhere (the name search, the undo reason).
  document.addEventListener("click", function (event) {
    if (!event.target.closest("input, button, a, select, textarea, label, video")) focusScan();
  });
  verdict.addEventListener("click", function (event) {
    if (!event.target.closest("form, a, button, input")) closeVerdict(event);
  });
  document.getElementById("verdict-next").addEventListener("click", closeVerdict);
  document.addEventListener("keydown", function (event) {
    if (verdict.hidden) return;
    if (event.key === "Escape") { closeVerdict(event); return; }
    // A hardware scanner reading the next badge while an answer is shown: start the next scan.
    if (event.key.length === 1 && !event.target.closest("input, textarea") && !event.ctrlKey && !event.metaKey) {
      closeVerdict(event);
      field.value = event.key;
    }
  });

  // ------------------------------------------------------------------ undo
  undoForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    try {
      const response = await fetch(undoForm.action, {
        method: "POST",
        body: new FormData(undoForm),
        headers: { "Accept": "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) { setText("verdict-message", answer.error); return; }
      showAttendance(answer.attendance);
      // Neither admit nor refuse: the screen turns neutral and says so in its big word.
      verdict.classList.remove("verdict-admit", "verdict-refuse");
      verdict.classList.add("verdict-undone");
      setText("verdict-word", data.textUndoneWord);
      setText("verdict-message", answer.message || data.textUndone);
      undoForm.hidden = true;
      verdict.focus();
    } catch (error) {
      setOnline(false);
      setText("verdict-message", data.textUndoOffline);
    }
  });

  // ------------------------------------------------------------------ name search
  // Two letters at least, or one that is not ASCII (a one-syllable Korean or Chinese family name):
  // the server's SearchForm says the same.
  function tooShort(q) { return q.length === 0 || (q.length < 2 && /^[\x00-\x7f]*$/.test(q)); }

  searchForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    if (tooShort(q)) return;
    if (!online) { searchOffline(q); return; }
    searchNote.hidden = true;
    try {
      const response = await fetch(data.searchUrl + "&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } });
      const answer = await response.json();
      results.replaceChildren();
      (answer.results || []).forEach(function (found) {
        const item = document.createElement("li");
        item.className = "search-result";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-light w-100 text-start";
        const name = document.createElement("span");
        name.className = "fw-semibold";
        name.textContent = found.passport_name ? found.name + " · " + found.passport_name : found.name;
        const detail = document.createElement("span");
        detail.className = "d-block small";
        detail.textContent = [found.affiliation, found.type, found.status].join(" · ");
        button.append(name, detail);
        button.addEventListener("click", async function () {
          const body = new FormData(scanForm);
          body.delete("code");
          body.set("delegate", found.delegate);
          const reply = await fetch(data.scanUrl, {
            method: "POST", body: body, headers: { "Accept": "application/json", "X-CSRFToken": csrf },
          });
          const verdictAnswer = await reply.json();
          if (reply.ok) countAdmission(verdictAnswer);
          show(reply.ok ? verdictAnswer : { admit: false, message: verdictAnswer.error }, false);
        });
        item.append(button);
        results.append(item);
      });
      if (!results.children.length) {
        const none = document.createElement("li");
        none.textContent = data.textNobody;
        results.append(none);
      }
    } catch (error) {
      setOnline(false);
      searchOffline(q);
    }
  });

  // Offline, the name search looks through the admit list: only the delegates this door admits are
  // there with their names (a refused badge's entry names no one).
  function searchOffline(q) {
    results.replaceChildren();
    searchNote.hidden = false;
    if (!admitList || new Date(admitList.expires) < new Date()) { searchNote.textContent = data.textSearchNeedsNetwork; return; }
    searchNote.textContent = data.textSearchOffline;
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const found = Object.values(admitList.entries).filter(function (entry) {
      if (!entry.admit || !entry.name) return false;
      const text = (entry.name + " " + (entry.passport_name || "")).toLowerCase();
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    }).slice(0, 12);
    found.forEach(function (entry) {
      const item = document.createElement("li");
      item.className = "search-result search-result-offline";
      if (entry.photo) {
        const img = document.createElement("img");
        img.src = entry.photo;
        img.alt = data.textPhotoAlt;
        img.width = 48;
        img.height = 60;
        item.append(img);
      }
      const name = document.createElement("span");
      name.className = "fw-semibold";
      name.textContent = entry.passport_name ? entry.name + " · " + entry.passport_name : entry.name;
      const detail = document.createElement("span");
      detail.className = "d-block small";
      detail.textContent = [entry.affiliation, entry.type].join(" · ");
      item.append(name, detail);
      results.append(item);
    });
    if (!found.length) {
      const none = document.createElement("li");
      none.textContent = data.textNobody;
      results.append(none);
    }
  }

  // ------------------------------------------------------------------ the admit list, the queue, status
  async function refreshList() {
    try {
      const response = await fetch(data.admitListUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (response.status === 401 || response.status === 403) { admitList = null; await dropLists(); return; }
      if (!response.ok) return;
      admitList = await response.json();
      await saveList(admitList);
      root.dataset.list = admitList.issued;
      setOnline(true);
    } catch (error) {
      setOnline(false);
    }
    if (admitList && new Date(admitList.expires) < new Date()) { admitList = null; await dropLists(); }
  }

  async function showQueue() {
    const waiting = (await queued().catch(function () { return []; })).filter(function (s) { return s.door === doorKey; });
    queueLabel.hidden = waiting.length === 0;
    queueLabel.textContent = waiting.length + " " + data.textQueued;
    showCount(waiting);
    return waiting;
  }

  function showConflicts(conflicts) {
    if (!conflicts || !conflicts.length) return;
    const list = document.getElementById("conflict-list");
    list.replaceChildren();
    conflicts.forEach(function (conflict) {
      const item = document.createElement("li");
      item.textContent = conflict.name + ": " + conflict.message;
      list.append(item);
    });
    document.getElementById("conflicts").hidden = false;
  }

  let syncing = false;
  async function sync() {
    if (syncing || !admitList) return;
    const waiting = await showQueue();
    if (!waiting.length) return;
    syncing = true;
    try {
      const body = Object.assign(placeFields(), {
        signature: admitList.signature,
        scans: waiting.map(function (s) { return { id: s.id, code: s.code, at: s.at, admitted: s.admitted }; }),
      });
      const response = await fetch(data.syncUrl, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      if (response.ok) {
        const answer = await response.json();
        // Entries the server could not read (an impossible time) leave the queue too, reported.
        const invalid = answer.invalid || [];
        await dequeue(answer.recorded.concat(invalid.map(function (entry) { return entry.scan; })));
        showAttendance(answer.attendance);
        showConflicts((answer.conflicts || []).concat(invalid.map(function (entry) {
          return { name: "", message: entry.message };
        })));
        setOnline(true);
      }
    } catch (error) {
      setOnline(false);
    } finally {
      syncing = false;
      await showQueue();
    }
  }

  async function refreshStatus() {
    try {
      const response = await fetch(data.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const answer = await response.json();
      showAttendance(answer.attendance);
      showConflicts(answer.conflicts);
      setOnline(true);
    } catch (error) {
      setOnline(false);
    }
  }

  window.addEventListener("online", async function () {
    setOnline(true);
    await refreshList();
    await sync();
    await refreshStatus();
  });
  window.addEventListener("offline", function () { setOnline(false); });

  document.getElementById("logout-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const form = event.target;
    admitList = null;
    const dropPages = ("caches" in window) ? caches.delete(PAGE_CACHE) : Promise.resolve();
    Promise.all([dropLists(), dropPages]).catch(function () {}).finally(function () { form.submit(); });
  });

  // ------------------------------------------------------------------ the camera
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    const cameraButton = document.getElementById("camera-button");
    const video = document.getElementById("camera");
    cameraButton.hidden = false;
    let stream = null;
    cameraButton.addEventListener("click", async function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; video.hidden = true; return; }
      try {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        const look = async function () {
          if (!stream) return;
          if (verdict.hidden) {
            const codes = await detector.detect(video).catch(function () { return []; });
            if (codes.length) await scan(codes[0].rawValue);
          }
          setTimeout(look, 250);
        };
        look();
      } catch (error) {
        stream = null;
        video.hidden = true;
      }
    });
  }

  // ------------------------------------------------------------------ start
  if ("serviceWorker" in navigator && data.workerUrl) {
    navigator.serviceWorker.register(data.workerUrl, { scope: data.workerScope }).catch(function () {});
    // The first visit was not yet served through the worker: keep this page now, so that a reload
    // without the network reopens it (a page with a search or an answer on it is never kept).
    const here = new URL(location.href);
    if (!here.searchParams.has("q") && !verdict.classList.contains("verdict-admit") && !verdict.classList.contains("verdict-refuse")) {
      navigator.serviceWorker.ready.then(function () {
        return caches.open(PAGE_CACHE).then(function (cache) { return cache.add(here.href); });
      }).then(function () { root.dataset.pageKept = "1"; }).catch(function () {});
    }
  }
  setOnline(navigator.onLine);
  if (!verdict.hidden) verdict.focus(); else focusScan();
  loadList().then(function (stored) {
    if (stored && !admitList && new Date(stored.expires) > new Date()) { admitList = stored; root.dataset.list = stored.issued; }
  }).catch(function () {}).finally(async function () {
    await showQueue();
    await refreshList();
    await sync();
  });
  setInterval(function () { refreshList().then(sync); }, LIST_REFRESH_MS);
  setInterval(refreshStatus, STATUS_REFRESH_MS);
  root.dataset.ready = "1";
})();

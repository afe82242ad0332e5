// The door's service worker: keeps the door page and its files so that the page reopens after a
// reload without the network. /door/worker.js (a view, for the /door/ scope) sets DOOR_SHELL, the
// files' addresses, then loads this file.
//
// - The files (Bootstrap, the door's style and script) are cached when the worker installs, served
//   from the cache first (their addresses carry a content hash in production).
// - The door page is fetched from the network first; a door page without a search or an answer
//   (it names nobody) is kept for its address, and served when the network is down.
// - Nothing else is touched: scans, the admit list, the sync and the photos always go to the network
//   (the page's script keeps the admit list in IndexedDB and decides offline from it).
// The page drops the kept pages on sign-out (caches.delete("door-pages")).
/* global DOOR_SHELL, DOOR_SHELL_VERSION, DOOR_PAGE_PATH */
"use strict";
const SHELL_CACHE = "door-shell-" + DOOR_SHELL_VERSION;
const PAGE_CACHE = "door-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(DOOR_SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("door-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function isDoorPage(url) {
  return url.pathname === DOOR_PAGE_PATH && url.searchParams.has("session") && !url.searchParams.has("q");
}

async function doorPage(request) {
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200 && !response.redirected) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // The page is served with Vary: Cookie, Accept-Language; the kept copy was stored without the
    // browser's headers (cache.add from the page), so the match ignores Vary.
    const kept = await caches.match(request, { cacheName: PAGE_CACHE, ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

async function shellFile(request) {
  const kept = await caches.match(request, { cacheName: SHELL_CACHE });
  return kept || fetch(request);
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isDoorPage(url)) {
    event.respondWith(doorPage(request));
  } else if (DOOR_SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(shellFile(request));
  }
});

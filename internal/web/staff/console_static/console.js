// escudo operator console: live list over server-sent events, with a sound
// cue for new and escalated alerts. Without JavaScript the page refreshes
// itself every 10 seconds instead.
//
// The console must never go blind: a heartbeat keeps the session alive
// while the page is open; when the session ends anyway, the list stays in
// view with a notice (how many alerts are open, when the newest arrived)
// and a link to sign in again in another tab; a lost connection is shown
// and retried.
(function () {
  "use strict";
  var list = document.getElementById("console-list");
  var live = document.getElementById("console-live");
  if (!list || !window.EventSource || !live || live.dataset.live !== "1") return;

  var LIVE = { credentials: "same-origin", headers: { Accept: "text/html", "X-Escudo-Live": "1" } };
  var HEARTBEAT_MS = 60000;
  var RECONNECT_MS = 5000;

  var audio = null;
  var soundBtn = document.getElementById("console-sound");
  var ended = document.getElementById("console-ended");
  var offline = document.getElementById("console-offline");

  // Browsers allow sound only after a gesture on the page: the button (or
  // any click) unlocks it.
  function unlock() {
    if (audio) return;
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    audio = new AC();
    if (soundBtn) soundBtn.hidden = true;
  }
  if (soundBtn) {
    soundBtn.hidden = false;
    soundBtn.addEventListener("click", unlock);
  }
  document.addEventListener("click", unlock, { once: true });

  // Three short high beeps: distinct from ordinary notification sounds.
  function beep() {
    if (!audio) return;
    var t = audio.currentTime;
    for (var i = 0; i < 3; i++) {
      var o = audio.createOscillator();
      var g = audio.createGain();
      o.type = "square";
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.0001, t + i * 0.25);
      g.gain.exponentialRampToValueAtTime(0.3, t + i * 0.25 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.25 + 0.18);
      o.connect(g);
      g.connect(audio.destination);
      o.start(t + i * 0.25);
      o.stop(t + i * 0.25 + 0.2);
    }
  }

  // Alerts announced by the stream since the list was last drawn: while
  // the session is over the list cannot be redrawn, but they still count.
  var unseen = {};
  var newest = 0;

  function listState() {
    var ids = {};
    var count = 0;
    var latest = newest;
    var cards = list.querySelectorAll("[data-alert]");
    for (var i = 0; i < cards.length; i++) {
      ids[cards[i].dataset.alert] = true;
      count++;
      var t = Date.parse(cards[i].dataset.received || "");
      if (t > latest) latest = t;
    }
    for (var id in unseen) {
      if (!ids[id]) count++;
    }
    return { count: count, latest: latest };
  }

  var isEnded = false;
  function showEnded() {
    isEnded = true;
    var s = listState();
    document.getElementById("ended-count").textContent = String(s.count);
    var when = document.getElementById("ended-newest");
    if (s.latest > 0) {
      var d = new Date(s.latest);
      when.setAttribute("datetime", d.toISOString());
      when.textContent = d.toLocaleTimeString(document.documentElement.lang || undefined,
        { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    } else {
      when.textContent = "—";
    }
    ended.hidden = false;
    offline.hidden = true;
  }
  function showOffline(on) {
    offline.hidden = !on || isEnded;
  }
  function signedIn() {
    if (isEnded) {
      isEnded = false;
      ended.hidden = true;
      reload();
    }
    showOffline(false);
  }

  // answer sorts a response into session over, server trouble or fine.
  function answer(r) {
    if (r.status === 401) {
      showEnded();
      return null;
    }
    if (!r.ok) {
      showOffline(true);
      return null;
    }
    signedIn();
    return r;
  }

  // One fetch at a time; a change announced during a fetch asks for one
  // more afterwards, so no alert waits for the next event to appear.
  var pending = false;
  var again = false;
  function reload() {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    again = false;
    fetch("/console?fragment=1", LIVE)
      .then(function (r) { r = answer(r); return r ? r.text() : null; })
      .then(function (html) {
        // Keep a form the operator is typing in.
        var active = document.activeElement;
        if (html !== null && !(active && active.form && list.contains(active) && active.value)) {
          list.innerHTML = html;
          unseen = {};
        }
      })
      .catch(function () { showOffline(true); })
      .then(function () {
        pending = false;
        if (again) reload();
      });
  }

  function heartbeat() {
    fetch("/console/heartbeat", LIVE)
      .then(answer)
      .catch(function () { showOffline(true); });
  }
  setInterval(heartbeat, HEARTBEAT_MS);
  // Coming back to the tab or the network checks at once.
  window.addEventListener("focus", heartbeat);
  window.addEventListener("online", heartbeat);

  var es = null;
  function connect() {
    es = new EventSource("/console/stream");
    es.addEventListener("alert", function (ev) {
      var c = {};
      try { c = JSON.parse(ev.data); } catch (e) {}
      if (c.kind === "received" || c.kind === "escalated") {
        beep();
        document.title = "(!) " + document.title.replace(/^\(!\) /, "");
      }
      if (c.kind === "received" && c.id) {
        unseen[String(c.id)] = true;
        newest = Date.now();
      }
      reload();
      if (isEnded) showEnded();
    });
    es.addEventListener("open", function () {
      showOffline(false);
      reload();
    });
    es.addEventListener("error", function () {
      if (es.readyState === EventSource.CLOSED) {
        // Refused (the session ended) or the server is away: find out
        // which, and open the stream again.
        heartbeat();
        setTimeout(connect, RECONNECT_MS);
      } else {
        showOffline(true); // the browser retries by itself
      }
    });
  }
  connect();

  // Each unacknowledged alert's waiting time grows by the second, in the
  // server's form ("42 s", "3 min 05 s", "2 h 07 min"), and changes colour
  // at the 15 s and 64 s response targets.
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function shortDur(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    if (h > 0) return h + " h " + pad(m) + " min";
    if (m > 0) return m + " min " + pad(s % 60) + " s";
    return s + " s";
  }
  setInterval(function () {
    var spans = list.querySelectorAll("[data-since]");
    var now = Date.now();
    for (var i = 0; i < spans.length; i++) {
      var since = Date.parse(spans[i].dataset.since);
      if (!since) continue;
      var wait = now - since;
      spans[i].textContent = shortDur(wait);
      var box = spans[i].parentNode;
      box.className = "waiting " + (wait > 64000 ? "wait-late" : wait > 15000 ? "wait-warn" : "wait-ok");
    }
  }, 1000);

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) document.title = document.title.replace(/^\(!\) /, "");
  });
})();

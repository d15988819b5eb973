// escudo operator console: live list over server-sent events, with a sound
// cue for new and escalated alerts. Without JavaScript the page refreshes
// itself every 10 seconds instead.
(function () {
  "use strict";
  var list = document.getElementById("console-list");
  var live = document.getElementById("console-live");
  if (!list || !window.EventSource || !live || live.dataset.live !== "1") return;

  var audio = null;
  var soundBtn = document.getElementById("console-sound");

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

  var pending = false;
  function reload() {
    if (pending) return;
    pending = true;
    fetch("/console?fragment=1", { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        // Keep a form the operator is typing in.
        var active = document.activeElement;
        if (html !== null && !(active && active.form && list.contains(active) && active.value)) {
          list.innerHTML = html;
        }
      })
      .catch(function () {})
      .then(function () { pending = false; });
  }

  var es = new EventSource("/console/stream");
  es.addEventListener("alert", function (ev) {
    var c = {};
    try { c = JSON.parse(ev.data); } catch (e) {}
    if (c.kind === "received" || c.kind === "escalated") {
      beep();
      document.title = "(!) " + document.title.replace(/^\(!\) /, "");
    }
    reload();
  });
  es.addEventListener("open", reload);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) document.title = document.title.replace(/^\(!\) /, "");
  });
})();

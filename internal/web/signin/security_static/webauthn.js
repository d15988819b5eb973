// Security-key ceremonies for /login/security-key. The page works without
// this script only to say that a security key needs JavaScript; everything
// else of escudo works without it.
(function () {
  "use strict";
  var form = document.getElementById("security-key");
  if (!form || !window.PublicKeyCredential) { return; }
  var status = document.getElementById("security-key-status");
  var b64 = function (buf) {
    var s = "", bytes = new Uint8Array(buf);
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  var unb64 = function (s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  };
  var post = function (url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body) });
  };
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    status.textContent = form.dataset.waiting;
    post("/login/security-key/begin").then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (opts) {
      var pk = opts.publicKey;
      pk.challenge = unb64(pk.challenge);
      if (pk.user) {
        pk.user.id = unb64(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) { c.id = unb64(c.id); });
        return navigator.credentials.create({ publicKey: pk });
      }
      (pk.allowCredentials || []).forEach(function (c) { c.id = unb64(c.id); });
      return navigator.credentials.get({ publicKey: pk });
    }).then(function (cred) {
      var resp = { clientDataJSON: b64(cred.response.clientDataJSON) };
      if (cred.response.attestationObject) {
        resp.attestationObject = b64(cred.response.attestationObject);
      } else {
        resp.authenticatorData = b64(cred.response.authenticatorData);
        resp.signature = b64(cred.response.signature);
        if (cred.response.userHandle) { resp.userHandle = b64(cred.response.userHandle); }
      }
      return post("/login/security-key/finish?next=" + encodeURIComponent(form.dataset.next),
        { id: cred.id, rawId: b64(cred.rawId), type: cred.type, response: resp });
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (done) {
      window.location.assign(done.next);
    }).catch(function () {
      status.textContent = form.dataset.failed;
    });
  });
})();

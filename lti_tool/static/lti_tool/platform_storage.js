// LTI Client Side postMessages + Platform Storage (1EdTech, as implemented by Canvas).
// Login ("put"): store state and nonce in the platform's storage, then go to the
// platform's OIDC auth URL. Launch ("get"): read them back and post them to the
// tool, which compares them with the launch before issuing a session token.
// Spec: https://www.imsglobal.org/spec/lti-cs-pm/v0p1 and lti-pm-storage/v0p1
(function () {
  "use strict";
  var el = document.getElementById("lti-storage");
  if (!el) return;
  var d = el.dataset;
  var origin = d.platformOrigin;
  var TIMEOUT_MS = 2000;

  function storageFrame() {
    // Canvas forwards storage messages through a named sibling frame.
    if (d.storageTarget && d.storageTarget !== "_parent") {
      try { return window.parent.frames[d.storageTarget]; } catch (e) { return window.parent; }
    }
    return window.parent;
  }

  function send(target, message) {
    return new Promise(function (resolve, reject) {
      var id = Math.random().toString(36).slice(2);
      message.message_id = id;
      var timer = setTimeout(function () { cleanup(); reject(new Error("timeout")); }, TIMEOUT_MS);
      function onMessage(event) {
        if (event.origin !== origin && origin !== "*") return;
        var data = event.data || {};
        if (data.message_id !== id || data.subject !== message.subject + ".response") return;
        cleanup();
        if (data.error) reject(new Error(data.error.code || "error")); else resolve(data);
      }
      function cleanup() { clearTimeout(timer); window.removeEventListener("message", onMessage); }
      window.addEventListener("message", onMessage);
      target.postMessage(message, origin);
    });
  }

  function status(text) { document.getElementById("lti-storage-status").textContent = text; }

  var stateKey = "lti_state_" + d.state;
  var nonceKey = "lti_nonce_" + d.nonce;

  if (d.mode === "put") {
    var go = function () { window.location.assign(d.authUrl); };
    send(window.parent, { subject: "lti.capabilities" })
      .then(function () {
        var target = storageFrame();
        return send(target, { subject: "lti.put_data", key: stateKey, value: d.state })
          .then(function () { return send(target, { subject: "lti.put_data", key: nonceKey, value: d.nonce }); });
      })
      .then(go, go); // Without platform storage the state cookie is the only binding.
  } else {
    var form = document.getElementById("lti-storage-verify");
    var target = storageFrame();
    send(target, { subject: "lti.get_data", key: stateKey })
      .then(function (r) { form.state.value = r.value || ""; return send(target, { subject: "lti.get_data", key: nonceKey }); })
      .then(function (r) { form.nonce.value = r.value || ""; form.submit(); })
      .catch(function () { status("Smart Notes could not confirm this launch. Open it again from Canvas, or in a new tab."); });
  }
})();

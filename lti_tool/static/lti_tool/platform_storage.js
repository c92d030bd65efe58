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
  var TIMEOUT_MS = Number(d.timeoutMs) || 2000;

  function storageFrame() {
    // Canvas forwards storage messages through a named sibling frame.
    if (d.storageTarget && d.storageTarget !== "_parent") {
      try { return window.parent.frames[d.storageTarget]; } catch (e) { return window.parent; }
    }
    return window.parent;
  }

  // targetOrigin: the platform's OIDC auth origin for storage messages. lti.capabilities
  // goes to the parent with "*" (its origin is unknown and the message carries no data).
  function send(target, message, targetOrigin) {
    return new Promise(function (resolve, reject) {
      var id = Math.random().toString(36).slice(2);
      message.message_id = id;
      var timer = setTimeout(function () { cleanup(); reject(new Error("timeout")); }, TIMEOUT_MS);
      function onMessage(event) {
        if (targetOrigin !== "*" && event.origin !== targetOrigin) return;
        var data = event.data || {};
        if (data.message_id !== id || data.subject !== message.subject + ".response") return;
        cleanup();
        if (data.error) reject(new Error(data.error.code || "error")); else resolve(data);
      }
      function cleanup() { clearTimeout(timer); window.removeEventListener("message", onMessage); }
      window.addEventListener("message", onMessage);
      target.postMessage(message, targetOrigin);
    });
  }

  function supports(capabilities, subject) {
    var list = (capabilities && capabilities.supported_messages) || [];
    for (var i = 0; i < list.length; i++) if (list[i].subject === subject) return true;
    return false;
  }

  function status(text) { document.getElementById("lti-storage-status").textContent = text; }

  var stateKey = "lti_state_" + d.state;
  var nonceKey = "lti_nonce_" + d.nonce;

  if (d.mode === "put") {
    var go = function () { window.location.assign(d.authUrl); };
    send(window.parent, { subject: "lti.capabilities" }, "*")
      .then(function (caps) {
        if (!supports(caps, "lti.put_data")) throw new Error("no platform storage");
        var target = storageFrame();
        return send(target, { subject: "lti.put_data", key: stateKey, value: d.state }, origin)
          .then(function () {
            return send(target, { subject: "lti.put_data", key: nonceKey, value: d.nonce }, origin);
          });
      })
      .then(go, go); // Without platform storage the state cookie is the only binding.
  } else {
    var form = document.getElementById("lti-storage-verify");
    var target = storageFrame();
    send(target, { subject: "lti.get_data", key: stateKey }, origin)
      .then(function (r) {
        form.state.value = r.value || "";
        return send(target, { subject: "lti.get_data", key: nonceKey }, origin);
      })
      .then(function (r) { form.nonce.value = r.value || ""; form.submit(); })
      .catch(function () {
        status("Smart Notes could not confirm this launch. Open it again from Canvas, or in a new tab.");
      });
  }
})();

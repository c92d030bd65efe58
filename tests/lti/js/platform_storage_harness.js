// Runs lti_tool/static/lti_tool/platform_storage.js in Node with a fake window whose
// parent plays Canvas: answers lti.capabilities, and a "post_message_forwarding"
// frame on the OIDC auth origin stores and returns values. Prints one JSON result.
// Usage: node platform_storage_harness.js SCRIPT SCENARIO_JSON
"use strict";
const fs = require("fs");
const vm = require("vm");

const [, , scriptPath, scenarioJson] = process.argv;
const scenario = JSON.parse(scenarioJson);
const storage = Object.assign({}, scenario.storage || {});
const events = [];
const listeners = [];
let assigned = null;
let done = false;

function deliver(data, origin) {
  setTimeout(() => listeners.slice().forEach((l) => l({ data, origin })), 0);
}

const forwarding = {
  postMessage(msg, targetOrigin) {
    events.push({ to: "forwarding", subject: msg.subject, targetOrigin });
    if (targetOrigin !== scenario.frameOrigin) return; // the browser drops it
    const reply = { subject: msg.subject + ".response", message_id: msg.message_id, key: msg.key };
    if (msg.subject === "lti.put_data") storage[msg.key] = msg.value;
    reply.value = storage[msg.key];
    deliver(reply, scenario.frameOrigin);
  },
};

const parent = {
  frames: { post_message_forwarding: forwarding },
  postMessage(msg, targetOrigin) {
    events.push({ to: "parent", subject: msg.subject, targetOrigin });
    if (msg.subject !== "lti.capabilities" || !scenario.capabilities) return;
    deliver(
      {
        subject: "lti.capabilities.response",
        message_id: msg.message_id,
        supported_messages: [
          { subject: "lti.put_data", frame: "post_message_forwarding" },
          { subject: "lti.get_data", frame: "post_message_forwarding" },
        ],
      },
      scenario.parentOrigin,
    );
  },
};

const form = {
  state: { value: "" },
  nonce: { value: "" },
  submitted: false,
  submit() {
    this.submitted = true;
    finish();
  },
};
const statusEl = { textContent: "" };
const elements = {
  "lti-storage": { dataset: scenario.dataset },
  "lti-storage-verify": form,
  "lti-storage-status": statusEl,
};

function finish() {
  if (done) return;
  done = true;
  console.log(
    JSON.stringify({
      assigned,
      storage,
      form: { state: form.state.value, nonce: form.nonce.value, submitted: form.submitted },
      status: statusEl.textContent,
      events,
    }),
  );
  process.exit(0);
}

const window = {
  parent,
  location: {
    assign(url) {
      assigned = url;
      finish();
    },
  },
  addEventListener(_type, listener) {
    listeners.push(listener);
  },
  removeEventListener(_type, listener) {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  },
};
const document = { getElementById: (id) => elements[id] || null };
const context = vm.createContext({ window, document, setTimeout, clearTimeout, Promise, Math, Error, Number });
vm.runInContext(fs.readFileSync(scriptPath, "utf8"), context);
setTimeout(finish, Number(scenario.dataset.timeoutMs || 2000) * 3);

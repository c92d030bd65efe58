// The one progress client (smartnotes/progress.py). Any element with data-progress-url
// is polled with If-None-Match until its work is done or failed:
//   [role=progressbar]       aria-valuenow / aria-valuetext and its [data-progress-bar] fill
//   [data-progress-stage]    the stage in words;  [data-progress-count] "3 of 12 claims checked"
//   [data-progress-claims]   new claim fragments are appended (by id, never twice)
//   data-progress-replace=ID when finished, the element #ID is replaced by the same element
//                            of the page fetched again (the finished report), in place.
// Polling, not cookies or streams: the URL carries the LTI launch token, which is all a
// page inside the Canvas iframe has when third-party cookies are blocked. It never moves
// focus (except back onto replaced content that held it) and announces progress in a
// polite live region, at most every few seconds.
(() => {
  const POLL_MS = 1000;
  const BACKOFF_MAX_MS = 15000;
  const ANNOUNCE_EVERY_MS = 5000;
  const FAILURES_BEFORE_NOTICE = 3;

  const countText = (s) => {
    const noun = (n) => (n === 1 ? "claim" : "claims");
    if (s.total === null || s.total === undefined) return `${s.checked} ${noun(s.checked)} checked`;
    return `${s.checked} of ${s.total} ${noun(s.total)} checked`;
  };

  const liveRegion = (anchor) => {
    const live = document.createElement("div");
    live.className = "sr-only";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    anchor.before(live);
    return live;
  };

  // The finished page's element replaces the running one; scripts that set up report
  // widgets listen for "smartnotes:content" (report.js, the demo's tabs).
  const replaceWithFinished = async (id) => {
    const old = document.getElementById(id);
    const response = await fetch(window.location.href, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById(id);
    if (!old || !fresh) throw new Error(`no #${id} to replace`);
    const hadFocus = old.contains(document.activeElement);
    const node = document.importNode(fresh, true);
    old.replaceWith(node);
    document.dispatchEvent(new CustomEvent("smartnotes:content", { detail: { root: node } }));
    if (hadFocus) {
      node.tabIndex = -1;
      node.focus();
    }
  };

  const start = (root) => {
    const url = root.dataset.progressUrl;
    const bar = root.querySelector("[role=progressbar]");
    const fill = root.querySelector("[data-progress-bar]");
    const stage = root.querySelector("[data-progress-stage]");
    const count = root.querySelector("[data-progress-count]");
    const list = root.querySelector("[data-progress-claims]");
    const replaceId = root.dataset.progressReplace;
    const live = liveRegion(replaceId ? document.getElementById(replaceId) || root : root);
    const seen = new Set(list ? Array.from(list.children, (el) => el.id).filter(Boolean) : []);
    let etag = null;
    let delay = POLL_MS;
    let failures = 0;
    let lastAnnouncedAt = 0;
    let pending = null;
    let timer = null;

    const say = (text) => {
      // Clear first so a repeated sentence is read again.
      live.textContent = "";
      window.setTimeout(() => { live.textContent = text; }, 50);
      lastAnnouncedAt = Date.now();
    };
    const announce = (text, now = false) => {
      pending = text;
      if (timer) return;
      const wait = now ? 0 : Math.max(0, lastAnnouncedAt + ANNOUNCE_EVERY_MS - Date.now());
      timer = window.setTimeout(() => {
        timer = null;
        if (pending !== null) say(pending);
        pending = null;
      }, wait);
    };
    const announceNow = (text) => {
      if (timer) window.clearTimeout(timer);
      timer = null;
      pending = null;
      say(text);
    };

    const render = (s) => {
      const pct = Math.round(Math.max(0, Math.min(1, s.progress)) * 100);
      const claims = countText(s);
      if (bar) {
        bar.setAttribute("aria-valuenow", String(pct));
        bar.setAttribute("aria-valuetext", `${pct}%: ${claims}`);
      }
      if (fill) fill.style.width = `${pct}%`;
      if (stage) stage.textContent = s.stage;
      if (count) count.textContent = `${claims}.`;
      if (list) {
        for (const claim of s.claims) {
          if (seen.has(claim.id) || document.getElementById(claim.id)) continue;
          const template = document.createElement("template");
          template.innerHTML = claim.html;
          list.append(template.content);
          seen.add(claim.id);
        }
        list.setAttribute("aria-busy", String(s.state === "queued" || s.state === "running"));
      }
      root.dataset.progressState = s.state;
    };

    const finish = async (s) => {
      announceNow(s.message);
      root.dispatchEvent(new CustomEvent("progress:finished", { bubbles: true, detail: s }));
      if (!replaceId) return;
      try {
        await replaceWithFinished(replaceId);
      } catch (error) {
        window.location.reload();
      }
    };

    const poll = async () => {
      try {
        const headers = etag ? { "If-None-Match": etag } : {};
        const response = await fetch(url, { headers, cache: "no-store" });
        if (response.status !== 304) {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          etag = response.headers.get("ETag");
          const snapshot = await response.json();
          render(snapshot);
          if (snapshot.state === "done" || snapshot.state === "failed") {
            await finish(snapshot);
            return;
          }
          if (snapshot.state === "running") announce(`${countText(snapshot)}.`);
        }
        failures = 0;
        delay = POLL_MS;
      } catch (error) {
        failures += 1;
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
        if (failures === FAILURES_BEFORE_NOTICE && stage) {
          stage.textContent = "Lost contact with the server; still trying.";
        }
      }
      window.setTimeout(poll, delay);
    };
    window.setTimeout(poll, POLL_MS);
  };

  const startAll = () => document.querySelectorAll("[data-progress-url]").forEach(start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();

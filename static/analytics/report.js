// Filter a long report's claims by verdict (on a phone the list is one long column).
// Runs on load and again on "smartnotes:content" (a finished report shown in place by
// static/progress/progress.js); a filter is wired once.
(() => {
  const wire = (root) => {
    root.querySelectorAll("[data-verdict-filter]").forEach((section) => {
      if (section.dataset.filterReady) return;
      section.dataset.filterReady = "1";
      const buttons = section.querySelectorAll("[data-filter]");
      buttons.forEach((button) => {
        button.addEventListener("click", () => {
          const wanted = button.dataset.filter;
          buttons.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
          section.querySelectorAll("[data-verdict]").forEach((claim) => {
            claim.hidden = wanted !== "" && claim.dataset.verdict !== wanted;
          });
        });
      });
    });
  };
  if (window.smartnotesReportWired) return;
  window.smartnotesReportWired = true;
  wire(document);
  document.addEventListener("smartnotes:content", (event) => wire(event.detail.root));
})();

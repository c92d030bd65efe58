// Filter a long report's claims by verdict (on a phone the list is one long column).
document.querySelectorAll("[data-verdict-filter]").forEach((section) => {
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

// Progressive enhancement only: the site works without this file.
// After htmx swaps in a point panel, move focus to its heading so keyboard and
// screen-reader users land on the new content.
document.addEventListener("htmx:afterSwap", (event) => {
  const heading = event.detail.target.querySelector("h1[tabindex='-1'], h2[tabindex='-1']");
  if (heading && event.detail.target.id !== "results") heading.focus();
});

// alliancegraph explorer: the little the pages need beyond plain links and forms.
// No markup is built from data here: only .value and .textContent are set.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("query");
  if (editor) {
    // Ctrl/Cmd+Enter runs the query; Tab indents instead of leaving the editor.
    editor.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        editor.form.requestSubmit();
      } else if (e.key === "Tab" && !e.shiftKey) {
        e.preventDefault();
        const s = editor.selectionStart;
        editor.setRangeText("  ", s, editor.selectionEnd, "end");
      }
    });
  }
  const copy = document.getElementById("copy-link");
  if (copy && navigator.clipboard) {
    copy.addEventListener("click", (e) => {
      e.preventDefault();
      navigator.clipboard.writeText(new URL(copy.getAttribute("href"), location.href).href)
        .then(() => { copy.textContent = "copied ✓"; }, () => { location.href = copy.href; });
    });
  }
});

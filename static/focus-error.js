// Progressive enhancement only: every page works without it. When a form
// comes back with errors, move the focus to the summary so screen-reader and
// keyboard users start from the list of what to fix (the summary's links lead
// to each field).
document.addEventListener('DOMContentLoaded', () => {
  const summary = document.querySelector('.error-summary');
  if (summary) {
    summary.focus();
  }
});

// Progressive enhancement: a file over the limit is named at its field as
// soon as it is chosen, before a long upload is refused by the server (which
// checks every file anyway). Without this script the server's answer names it.
(() => {
  for (const input of document.querySelectorAll('input[type=file][data-max-bytes]')) {
    const max = Number(input.dataset.maxBytes);
    const note = document.getElementById(`${input.id}-size`);
    if (!(max > 0) || !note) continue;
    input.addEventListener('change', () => {
      const big = [...input.files].filter((f) => f.size > max).map((f) => f.name);
      const message = big.length ? `${big.join('、')}: ${note.dataset.tooLarge}` : '';
      input.setCustomValidity(message);
      note.textContent = message;
      note.hidden = !message;
      if (message) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${note.id}`.trim());
      } else {
        input.removeAttribute('aria-invalid');
      }
    });
  }
})();

// Progressive enhancement: the captcha's proof of work (src/antiabuse/pow.rs).
// While the citizen fills in the form, find decimal digits `nonce` such that
// SHA-256(challenge + ":" + nonce) starts with `bits` zero bits (at most 32),
// and put them in the hidden field: the image and the question then need no
// answer. Without this script the form still works with either of them.
(() => {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const W = new Uint32Array(64);

  // The first 32 bits of SHA-256 of msg[0..len) (len < 56: one block).
  function firstWord(msg, len) {
    W.fill(0, 0, 16);
    for (let i = 0; i < len; i++) W[i >> 2] |= msg[i] << (24 - (i & 3) * 8);
    W[len >> 2] |= 0x80 << (24 - (len & 3) * 8);
    W[15] = len * 8;
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15];
      const y = W[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = 0x6a09e667, b = 0xbb67ae85, c = 0x3c6ef372, d = 0xa54ff53a;
    let e = 0x510e527f, f = 0x9b05688c, g = 0x1f83d9ab, h = 0x5be0cd19;
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    return (a + 0x6a09e667) >>> 0;
  }

  function start(field) {
    const challenge = field.dataset.powChallenge;
    const bits = Number(field.dataset.powBits);
    const status = document.getElementById('pow-status');
    const form = field.form;
    if (!challenge || !(bits > 0 && bits <= 32) || /[^\x20-\x7e]/.test(challenge)) return;
    const msg = new Uint8Array(64);
    for (let i = 0; i < challenge.length; i++) msg[i] = challenge.charCodeAt(i);
    msg[challenge.length] = 58; // ':'
    const prefix = challenge.length + 1;
    if (prefix + 12 >= 56) return;
    let nonce = 0;
    let waiting = false;
    if (status) {
      status.textContent = status.dataset.working;
      status.hidden = false;
    }
    // Submitted before the work is done: send it as soon as it is.
    form.addEventListener('submit', (event) => {
      if (!field.value) {
        event.preventDefault();
        waiting = true;
      }
    });
    function slice() {
      for (let n = 0; n < 20000; n++, nonce++) {
        const digits = String(nonce);
        for (let i = 0; i < digits.length; i++) msg[prefix + i] = digits.charCodeAt(i);
        if (firstWord(msg, prefix + digits.length) >>> (32 - bits) === 0) {
          field.value = digits;
          if (status) status.textContent = status.dataset.done;
          // Nothing is left to answer: the image and the question go.
          const manual = document.getElementById('captcha-manual');
          if (manual) manual.hidden = true;
          if (waiting) form.requestSubmit();
          return;
        }
      }
      setTimeout(slice, 0);
    }
    setTimeout(slice, 0);
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('input[data-pow-challenge]').forEach(start);
  });
})();

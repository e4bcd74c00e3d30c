// The microphone recorder of the greetings and admin pages. No framework, no build, no inline
// script (the page's Content-Security-Policy allows only this file): every button with
// data-record-url becomes a recorder that captures her voice as PCM, makes a 16-bit mono WAV in
// the browser, lets her listen to it, and uploads it like a file from the upload form. The server
// converts it to what the phone plays; a WAV needs no encoder here and sox reads it as it is.
//
// The button's data-state tells tests and styles where it stands: idle, recording, recorded,
// saving, failed. Texts come from the button's data-text-* attributes, in the page's language.
/* global window, navigator, document, Blob, FormData, fetch */
'use strict';

(function () {
  /** 16 kHz is plenty for an 8 kHz telephone greeting and keeps uploads small */
  const PREFERRED_RATE = 16000;
  const BUFFER_FRAMES = 4096;

  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  // no microphone API (an old browser, or plain HTTP beyond localhost): the buttons stay hidden
  if (!AudioContextClass || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  /** the page's CSRF token (every form of a page carries the same one) */
  function csrfToken(button) {
    const form = button.closest('form');
    const field =
      (form && form.querySelector('input[name="_csrf"]')) || document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }

  /** the samples (-1..1) as a RIFF/WAVE file: PCM, 16-bit, one channel */
  function encodeWav(chunks, length, rate) {
    const buffer = new ArrayBuffer(44 + length * 2);
    const view = new DataView(buffer);
    const text = (offset, s) => {
      for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i));
    };
    text(0, 'RIFF');
    view.setUint32(4, 36 + length * 2, true);
    text(8, 'WAVE');
    text(12, 'fmt ');
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    text(36, 'data');
    view.setUint32(40, length * 2, true);
    let offset = 44;
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i++) {
        const s = Math.max(-1, Math.min(1, chunk[i]));
        view.setInt16(offset, s < 0 ? s * 0x8000 : s * 0x7fff, true);
        offset += 2;
      }
    }
    return new Blob([buffer], { type: 'audio/wav' });
  }

  /** a context at 16 kHz where the browser resamples the microphone itself, else at its own rate */
  function openContext(stream) {
    let small;
    try {
      small = new AudioContextClass({ sampleRate: PREFERRED_RATE });
      return { context: small, source: small.createMediaStreamSource(stream) };
    } catch {
      // some browsers connect a microphone only to a context at the device's own rate
      if (small) small.close();
      const usual = new AudioContextClass();
      return { context: usual, source: usual.createMediaStreamSource(stream) };
    }
  }

  /** only a path of this site is followed after a save, never another origin */
  const isLocalPath = (value) => typeof value === 'string' && /^\/(?![/\\])/.test(value);

  /** `hidden`, and a display a stylesheet's rule for buttons or audio cannot override */
  function shown(e, yes) {
    e.hidden = !yes;
    e.style.display = yes ? '' : 'none';
  }

  function element(tag, testid, attributes) {
    const e = document.createElement(tag);
    e.setAttribute('data-testid', testid);
    Object.assign(e, attributes);
    return e;
  }

  function makeRecorder(button) {
    const label = (name) => button.getAttribute('data-text-' + name) || '';
    const maxSeconds = Number(button.getAttribute('data-max-seconds')) || 180;
    const maxBytes = Number(button.getAttribute('data-max-bytes')) || 0;
    const id = button.getAttribute('data-testid') || 'record';

    const panel = document.createElement('div');
    panel.className = 'recorder';
    const status = element('span', id + '-status', { className: 'recorder-status' });
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    const preview = element('audio', id + '-preview', { controls: true, hidden: true });
    const save = element('button', id + '-save', {
      type: 'button',
      hidden: true,
      textContent: label('save'),
    });
    const discard = element('button', id + '-discard', {
      type: 'button',
      hidden: true,
      className: 'secondary',
      textContent: label('discard'),
    });
    panel.append(status, preview, save, discard);
    // below the row of buttons the record button sits in, or right after it
    (button.closest('.actions') || button).insertAdjacentElement('afterend', panel);

    let state = 'idle';
    let take; // the recorded WAV, until saved or discarded
    let previewUrl;
    let capture; // while recording: stream, context, source, processor, chunks, length, rate

    function show(next, message) {
      state = next;
      button.setAttribute('data-state', next);
      button.textContent = next === 'recording' ? label('stop') : label('record');
      button.setAttribute('aria-pressed', next === 'recording' ? 'true' : 'false');
      button.disabled = next === 'saving';
      status.textContent = message;
      const offered = take !== undefined && next !== 'idle' && next !== 'recording';
      shown(preview, offered);
      shown(save, offered);
      shown(discard, offered);
      save.disabled = next === 'saving';
      discard.disabled = next === 'saving';
    }

    function forget() {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = undefined;
      take = undefined;
      preview.removeAttribute('src');
    }

    const clock = (seconds) =>
      Math.floor(seconds / 60) + ':' + String(Math.floor(seconds % 60)).padStart(2, '0');

    function release() {
      if (!capture) return;
      window.clearInterval(capture.ticker);
      capture.processor.onaudioprocess = null;
      capture.processor.disconnect();
      capture.source.disconnect();
      capture.stream.getTracks().forEach((track) => track.stop());
      capture.context.close();
    }

    function stop() {
      if (state !== 'recording' || !capture) return;
      release();
      const blob = encodeWav(capture.chunks, capture.length, capture.rate);
      capture = undefined;
      if (maxBytes && blob.size > maxBytes) {
        show('failed', label('too-large'));
        return;
      }
      take = blob;
      previewUrl = URL.createObjectURL(blob);
      preview.src = previewUrl;
      show('recorded', label('recorded'));
      save.focus();
    }

    function start() {
      forget();
      show('idle', '');
      button.disabled = true;
      navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } }).then(
        (stream) => {
          button.disabled = false;
          const { context, source } = openContext(stream);
          // ScriptProcessorNode: deprecated, but in every browser and needs no second module file
          const processor = context.createScriptProcessor(BUFFER_FRAMES, 1, 1);
          const rate = context.sampleRate;
          const limit = Math.floor(maxSeconds * rate);
          capture = { stream, context, source, processor, chunks: [], length: 0, rate };
          const current = capture;
          processor.onaudioprocess = (event) => {
            if (state !== 'recording' || capture !== current) return;
            const input = event.inputBuffer.getChannelData(0);
            const room = Math.max(0, limit - current.length);
            current.chunks.push(new Float32Array(input.length <= room ? input : input.subarray(0, room)));
            current.length += Math.min(input.length, room);
            if (current.length >= limit) stop();
          };
          // a processor runs only while connected to the output; it writes silence there
          source.connect(processor);
          processor.connect(context.destination);
          // started after the permission prompt, the context may wait for a gesture it already had
          if (context.state === 'suspended') context.resume();
          show('recording', label('recording'));
          // how long she has spoken and may speak, counted from the samples, not the clock
          capture.ticker = window.setInterval(() => {
            const spoken = current.length / current.rate;
            status.textContent = label('recording') + ' ' + clock(spoken) + ' / ' + clock(maxSeconds);
          }, 500);
          button.focus();
        },
        () => {
          button.disabled = false;
          show('failed', label('denied'));
        },
      );
    }

    function upload() {
      if (!take) return;
      const token = csrfToken(button);
      const body = new FormData();
      // the token first, as in the upload form
      body.append('_csrf', token);
      body.append('audio', take, 'recording.wav');
      show('saving', label('saving'));
      fetch(button.getAttribute('data-record-url'), {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'csrf-token': token },
      })
        .then((response) => response.json().catch(() => ({ ok: false })))
        .then(
          (answer) => {
            if (answer && answer.ok) {
              window.location.assign(
                isLocalPath(answer.location) ? answer.location : window.location.pathname,
              );
              return;
            }
            show('failed', answer && typeof answer.error === 'string' ? answer.error : label('failed'));
          },
          () => show('failed', label('failed')),
        );
    }

    button.addEventListener('click', () => {
      if (state === 'recording') stop();
      else if (state !== 'saving') start();
    });
    save.addEventListener('click', upload);
    discard.addEventListener('click', () => {
      forget();
      show('idle', '');
      button.focus();
    });
    show('idle', '');
    shown(button, true);
  }

  document.querySelectorAll('button[data-record-url]').forEach(makeRecorder);
})();

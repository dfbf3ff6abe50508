"""How a spoken reply sounded: loudness, speaking rate and pitch variability, in pure numpy.

- Loudness is the RMS level (dBFS) over speech frames only, so pauses don't lower it; relative loudness is that
  level minus the speaker's own baseline (their earlier turns or a calibration), because microphones differ.
- Speaking rate is the number of words over the speech span: from the start of the first speech frame to the end
  of the last (by energy, as for loudness). Not from Whisper's word timestamps: they stretch the first and last
  words (a span 4-25 % longer on the fixtures), and live replies have none (listening.py skips them to save
  30-60 ms a reply), so a reply measures the same rate live and from a file (docs/latency.md).
- Pitch variability is the standard deviation, in semitones, of an autocorrelation pitch track over voiced frames.

No audio devices, no models. The scorer (scoring.py) turns these numbers into calm costs using rubric thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voicetrainer.types import Acoustics, AudioClip, Word

FRAME_S = 0.040        # analysis window: two periods of a 50 Hz voice
HOP_S = 0.010
MIN_F0_HZ = 60.0
MAX_F0_HZ = 400.0
SPEECH_BELOW_PEAK_DB = 35.0   # frames more than this below the loudest frames are pauses
SPEECH_ABOVE_FLOOR_DB = 10.0  # ... and speech must stand this far above the noise floor
ABSOLUTE_FLOOR_DBFS = -60.0
VOICING_THRESHOLD = 0.45      # normalised autocorrelation peak that counts as voiced
MAX_WORD_GAP_S = 0.25         # quieter stretches shorter than this inside speech still count as speaking time


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    n = 1 + (len(x) - size) // hop
    idx = np.arange(size)[None, :] + hop * np.arange(n)[:, None]
    return x[idx]


def speech_mask(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which frames are speech, by energy. Returns (mask, frame level in dBFS)."""
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    db = 20 * np.log10(rms + 1e-12)
    if len(db) == 0:
        return np.zeros(0, bool), db
    peak = np.percentile(db, 95)
    floor = np.percentile(db, 10)
    threshold = max(peak - SPEECH_BELOW_PEAK_DB, ABSOLUTE_FLOOR_DBFS)
    if peak - floor > SPEECH_ABOVE_FLOOR_DB:
        threshold = max(threshold, floor + SPEECH_ABOVE_FLOOR_DB)
    return db > threshold, db


def _close_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill pauses shorter than `max_gap` frames between speech frames (the gaps between words are speech time)."""
    out = mask.copy()
    idx = np.flatnonzero(mask)
    if len(idx) < 2:
        return out
    gaps = np.diff(idx)
    for start, gap in zip(idx[:-1], gaps, strict=True):
        if 1 < gap <= max_gap:
            out[start:start + gap] = True
    return out


PITCH_BLOCK_FRAMES = 1_000  # 10 s of frames at a time (a 2-minute reply at once took 730 MB)


def pitch_track(frames: np.ndarray, sample_rate: int) -> np.ndarray:
    """Fundamental frequency per frame in Hz (0 where unvoiced), by normalised autocorrelation.

    Args:
        frames: (n, size) array of windows.
        sample_rate: samples per second.

    Returns:
        (n,) array of f0 in Hz, 0 for unvoiced frames.
    """
    n, size = frames.shape
    if n == 0:
        return np.zeros(0)
    if n > PITCH_BLOCK_FRAMES:  # frames are independent: in blocks, memory stays ~40 MB for a reply of any length
        return np.concatenate([pitch_track(frames[i:i + PITCH_BLOCK_FRAMES], sample_rate)
                               for i in range(0, n, PITCH_BLOCK_FRAMES)])
    x = frames - frames.mean(axis=1, keepdims=True)
    x = x * np.hanning(size)[None, :]
    nfft = 1 << int(np.ceil(np.log2(2 * size)))
    spec = np.fft.rfft(x, nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=1)[:, :size]
    # Normalise by the window's own autocorrelation so long lags are not penalised.
    wac = np.fft.irfft(np.abs(np.fft.rfft(np.hanning(size), nfft)) ** 2, nfft)[:size]
    ac = ac / np.maximum(wac[None, :], 1e-9)
    energy = ac[:, :1]
    ac = ac / np.maximum(energy, 1e-12)
    lo = int(sample_rate / MAX_F0_HZ)
    hi = min(int(sample_rate / MIN_F0_HZ), size - 2)
    seg = ac[:, lo:hi]
    # The first local peak near the best one, not the best itself: a periodic signal correlates almost equally
    # well at two and three periods, and taking those would halve the pitch (octave errors).
    best = seg.max(axis=1, keepdims=True)
    local = np.zeros_like(seg, dtype=bool)
    local[:, 1:-1] = (seg[:, 1:-1] >= seg[:, :-2]) & (seg[:, 1:-1] >= seg[:, 2:])
    candidate = local & (seg >= 0.9 * best)
    first = np.argmax(candidate, axis=1)
    first = np.where(candidate.any(axis=1), first, np.argmax(seg, axis=1))
    lag = first + lo
    peak = seg[np.arange(n), lag - lo]
    # Parabolic interpolation around the peak for sub-sample lag.
    left = ac[np.arange(n), np.clip(lag - 1, 0, size - 1)]
    right = ac[np.arange(n), np.clip(lag + 1, 0, size - 1)]
    denom = left - 2 * peak + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    f0 = sample_rate / (lag + np.clip(shift, -1, 1))
    f0[peak < VOICING_THRESHOLD] = 0.0
    return f0


def _median3(x: np.ndarray) -> np.ndarray:
    if len(x) < 3:
        return x
    stacked = np.stack([np.r_[x[0], x[:-1]], x, np.r_[x[1:], x[-1]]])
    return np.median(stacked, axis=0)


def pitch_variability_st(f0: np.ndarray) -> float:
    """Standard deviation of voiced pitch in semitones (around its median); 0 with too few voiced frames."""
    voiced = f0[f0 > 0]
    if len(voiced) < 5:
        return 0.0
    st = 12 * np.log2(voiced / np.median(voiced))
    st = _median3(st)
    st = st[np.abs(st) < 12]  # octave jumps are tracker errors, not voice
    if len(st) < 5:
        return 0.0
    return float(np.std(st))


def words_per_minute(n_words: int, span_s: float) -> float:
    """Speaking rate: `n_words` over `span_s`, the seconds from the first speech to the end of the last (0 for none)."""
    return 60.0 * n_words / span_s if n_words and span_s > 0 else 0.0


def speech_span_s(mask: np.ndarray, size: int, hop: int, sample_rate: int) -> float:
    """Seconds from the start of the first speech frame to the end of the last (0 without speech)."""
    idx = np.flatnonzero(mask)
    return float(((idx[-1] - idx[0]) * hop + size) / sample_rate) if len(idx) else 0.0


def measure(clip: AudioClip, words: Sequence[Word] = (), baseline_db: float | None = None) -> Acoustics:
    """Measure how a spoken reply sounded.

    Args:
        clip: the reply's audio (mono float32; any sample rate).
        words: the reply's words (Whisper's, or timed by the VAD live): their number gives the speaking rate.
        baseline_db: the speaker's usual loudness in dBFS (from earlier turns or a calibration), or None.

    Returns:
        Acoustics: loudness (dBFS over speech), loudness relative to the baseline (0 without one), words per
        minute, pitch variability (semitones) and seconds of speech.
    """
    x = np.asarray(clip.samples, dtype=np.float32).reshape(-1)
    sr = int(clip.sample_rate)
    size = int(FRAME_S * sr)
    hop = int(HOP_S * sr)
    if len(x) == 0:
        return Acoustics(-120.0, 0.0, 0.0, 0.0, 0.0)
    frames = _frames(x, size, hop)
    mask, _ = speech_mask(frames)
    speech_s = float(_close_gaps(mask, int(MAX_WORD_GAP_S / HOP_S)).sum() * hop / sr)
    if mask.any():
        power = float(np.mean(frames[mask].astype(np.float64) ** 2))
    else:
        power = float(np.mean(x.astype(np.float64) ** 2))
    loudness_db = float(10 * np.log10(power + 1e-12))
    f0 = pitch_track(frames[mask], sr) if mask.any() else np.zeros(0)
    return Acoustics(
        loudness_db=loudness_db,
        relative_loudness_db=loudness_db - baseline_db if baseline_db is not None else 0.0,
        words_per_minute=words_per_minute(len(words), speech_span_s(mask, size, hop, sr)),
        pitch_variability_st=pitch_variability_st(f0),
        speech_s=speech_s,
    )

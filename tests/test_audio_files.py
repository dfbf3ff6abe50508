"""Audio files: resampling keeps a tone's pitch and never wraps a clip's end into its start; WAVs round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from voicetrainer.audio.files import read_audio, resample, write_wav
from voicetrainer.types import AudioClip


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * rate / len(x))


@pytest.mark.parametrize("from_rate,to_rate", [(22_050, 16_000), (44_100, 16_000), (48_000, 16_000),
                                               (16_000, 48_000)])
def test_resampling_a_tone_keeps_its_frequency_and_length(from_rate, to_rate):
    n = int(1.7 * from_rate) + 13                                   # an awkward length, as TTS lines have
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * np.arange(n) / from_rate)).astype(np.float32)
    out = resample(tone, from_rate, to_rate)
    assert out.dtype == np.float32 and len(out) == round(n * to_rate / from_rate)
    assert _peak_hz(out, to_rate) == pytest.approx(440.0, abs=1.0)
    middle = out[len(out) // 4:3 * len(out) // 4]
    assert np.sqrt(np.mean(middle ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)  # level kept


def test_resampling_does_not_wrap_the_end_of_a_clip_into_its_start():
    """Silence, then a tone that stops at full level: the resampled silence must stay silent (an FFT resampler
    treats the clip as periodic and rings the loud end into the quiet start)."""
    rate = 22_050
    n = int(2.1 * rate) + 7
    x = np.zeros(n, np.float32)
    t = np.arange(n - rate) / rate
    x[rate:] = 0.8 * np.sin(2 * np.pi * 300.0 * t + 1.0)           # from 1.0 s to the end, cut off mid-cycle
    out = resample(x, rate, 16_000)
    start = out[:int(0.9 * 16_000)]                                  # the first 0.9 s were silent
    assert np.max(np.abs(start)) < 1e-3, np.max(np.abs(start))
    assert np.max(np.abs(out[-1_000:])) > 0.7                       # and the tone still reaches the end


def test_same_rate_is_returned_unchanged_and_empty_stays_empty():
    x = np.arange(10, dtype=np.float32)
    assert resample(x, 16_000, 16_000) is x
    assert len(resample(np.zeros(0, np.float32), 22_050, 16_000)) == 0


def test_a_wav_round_trips_through_write_and_read(tmp_path):
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * np.arange(8_000) / 16_000)).astype(np.float32)
    path = write_wav(tmp_path / "sub" / "tone.wav", AudioClip(tone, 16_000))
    back = read_audio(path)
    assert back.sample_rate == 16_000 and len(back.samples) == 8_000
    assert np.max(np.abs(back.samples - tone)) < 1e-4              # 16-bit PCM quantisation only


def test_the_wav_written_is_byte_for_byte_what_the_standard_library_writes(tmp_path):
    import wave

    clip = AudioClip((0.3 * np.sin(np.arange(3_001) / 7)).astype(np.float32), 22_050)
    ours = write_wav(tmp_path / "ours.wav", clip).read_bytes()
    with wave.open(str(tmp_path / "ref.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22_050)
        w.writeframes((np.clip(clip.samples, -1, 1) * 32767).astype("<i2").tobytes())
    assert ours == (tmp_path / "ref.wav").read_bytes()


def test_a_signal_mid_write_leaves_the_old_file_whole_and_no_part_file(tmp_path, monkeypatch):
    import os

    path = write_wav(tmp_path / "line.wav", AudioClip(np.zeros(1_600, np.float32)))
    before = path.read_bytes()

    def interrupted(*_a):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_wav(path, AudioClip(np.ones(16_000, np.float32) * 0.5))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.wav"]


def test_samples_that_are_not_finite_become_silence(tmp_path):
    from .hostile import float_wav_with_nans

    f = tmp_path / "nan.wav"
    f.write_bytes(float_wav_with_nans(1.0))
    clip = read_audio(f)
    assert len(clip.samples) == 16_000 and np.isfinite(clip.samples).all()


@pytest.mark.parametrize("name", ["1 Hz header", "10 MHz header", "200 channels", "0 channels", "header only"])
def test_an_implausible_header_is_refused_before_any_sample_is_read(tmp_path, name):
    from voicetrainer.errors import AudioInputError

    from .hostile import AUDIO_MAKERS

    make, why = AUDIO_MAKERS[name]
    f = tmp_path / "x.wav"
    f.write_bytes(make())
    with pytest.raises(AudioInputError, match=why):
        read_audio(f)


def test_a_reply_over_two_minutes_is_refused_and_a_resampled_one_is_read_in_blocks(tmp_path):
    from voicetrainer.errors import AudioInputError

    from .hostile import long_wav

    with pytest.raises(AudioInputError, match="130 s long; a reply may be at most 120 s"):
        read_audio(long_wav(tmp_path / "long.wav", 130))
    clip = read_audio(long_wav(tmp_path / "ok.wav", 60, rate=44_100))
    assert clip.sample_rate == 16_000 and len(clip.samples) == 60 * 16_000

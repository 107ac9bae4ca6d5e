package org.mpsl4j.data;

/**
 * The kind of signal an input carries. The model picks the client-side tokenizer from it (patch conv for images,
 * log-mel patches for audio, token embedding for text, time patches for sensors).
 */
public enum Modality {
  /** A picture as {@code [channels, height, width]} floats. */
  IMAGE,
  /** A log-mel spectrogram as {@code [1, melBins, frames]} floats. */
  AUDIO,
  /** Token ids as {@code [maxLength]} int64 values, with an attention mask. */
  TEXT,
  /** A multichannel time series window as {@code [channels, length]} floats. */
  SENSOR
}

/**
 * Audio: WAV decoding with Java Sound, log-mel features with JTransforms' FFT, the Free Spoken Digit Dataset and the
 * AV-MNIST-style pairing of its recordings with MNIST images.
 */
package org.mpsl4j.data.audio;

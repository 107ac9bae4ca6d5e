/**
 * Client-side modality tokenizers: the light part of the model that runs on an edge device. Each
 * turns one input into tokens of the encoder's width, followed by a LayerNorm, and is where MPSL
 * cuts the model.
 */
package org.mpsl4j.model.tokenizer;

/**
 * Pretrained weights from outside mpsl4j: a minimal ONNX reader ({@link
 * org.mpsl4j.model.pretrained.OnnxGraph}), the all-MiniLM-L6-v2 loader that maps its initializers
 * onto the post-norm encoder and the BERT text tokenizer ({@link org.mpsl4j.model.pretrained.MiniLm}),
 * and the {@code --encoder} choice between pretrained, scratch and checkpoint weights ({@link
 * org.mpsl4j.model.pretrained.EncoderSource}).
 *
 * <p>Why ONNX: it is the one form in which a real pretrained transformer reaches this project (a Maven
 * jar); reading it by hand keeps ONNX Runtime out of production code, where it serves only as the
 * test oracle that proves the mapping exact.
 */
package org.mpsl4j.model.pretrained;

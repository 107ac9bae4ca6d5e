/**
 * The shared, modality-agnostic transformer encoder that the MPSL server runs once for all clients:
 * pre-norm (ViT) or post-norm (BERT) blocks with GELU MLPs and optional dropout.
 */
package org.mpsl4j.model.encoder;

/**
 * The model zoo of mpsl4j: the pieces of a multimodal transformer that MPSL cuts in two.
 *
 * <p>A model is a tree of {@link org.mpsl4j.model.Module}s whose {@link org.mpsl4j.model.Parameter}s
 * carry PyTorch-style dotted names ({@code encoder.blocks.3.attn.qkv.weight}), so that a checkpoint
 * written here loads into a PyTorch {@code state_dict} by name. The <em>client part</em> is one
 * tokenizer per modality ({@link org.mpsl4j.model.tokenizer}); the <em>server part</em> is one shared
 * encoder ({@link org.mpsl4j.model.encoder}) with fusion, pooling and a head
 * ({@link org.mpsl4j.model.head}). {@link org.mpsl4j.model.ModelConfig} describes both halves, and
 * {@link org.mpsl4j.model.macs.MacCounter} derives their compute cost from it.
 *
 * <p>Native memory: parameters live in the manager the model was built with; every forward pass
 * should run in a per-step sub-manager that is closed afterwards (docs/ARCHITECTURE.md, "Native memory and autograd").
 */
package org.mpsl4j.model;

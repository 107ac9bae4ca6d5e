/**
 * Checkpoints in the safetensors format with PyTorch-style names, so that a PyTorch user can load
 * them with {@code safetensors.torch.load_file} and a plain {@code state_dict} mapping.
 */
package org.mpsl4j.model.checkpoint;

/** Basic layers (linear, layer norm) with PyTorch parameter names and layouts. */
package org.mpsl4j.model.nn;

/**
 * Training runtimes. {@link org.mpsl4j.core.data.BatchTensors} turns a dataset batch into native
 * tensors, {@link org.mpsl4j.engine.ModelFactory} derives a model configuration from a dataset's
 * inputs, and each training method lives in its own package ({@code centralized}, and the MPSL
 * protocol runtimes on top of the same pieces).
 */
package org.mpsl4j.engine;

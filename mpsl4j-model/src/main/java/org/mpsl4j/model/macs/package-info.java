/** Analytic compute cost (multiply-accumulates per sample) of each part of a model configuration. */
package org.mpsl4j.model.macs;

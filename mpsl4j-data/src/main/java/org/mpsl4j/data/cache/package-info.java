/**
 * The on-disk cache of preprocessed train/test tensors, keyed by a fingerprint of the source files and every
 * preprocessing setting, so a second run starts fast and a changed source or setting is never served stale.
 */
package org.mpsl4j.data.cache;

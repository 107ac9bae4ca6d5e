package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * One client's tokenizer weights at an epoch end, checked. A parameter named in {@code rows} holds
 * only those rows of its table ({@link SparseRows}); every other row is the initial value.
 */
record TokenizerUpload(long samples, Map<String, NDArray> parameters, Map<String, NDArray> rows) {}

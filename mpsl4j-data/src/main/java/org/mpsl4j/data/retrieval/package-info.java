/** Data preparation for image–text retrieval: pairs whose text identifies them ({@link org.mpsl4j.data.retrieval.DistinctTexts}). */
package org.mpsl4j.data.retrieval;

/**
 * Image–text (any two modalities) retrieval: paired embeddings as one output row ({@link
 * org.mpsl4j.model.retrieval.PairEmbeddings}), the symmetric InfoNCE loss ({@link
 * org.mpsl4j.model.retrieval.InfoNce}) and Recall@K ({@link org.mpsl4j.model.retrieval.RecallAtK}).
 */
package org.mpsl4j.model.retrieval;

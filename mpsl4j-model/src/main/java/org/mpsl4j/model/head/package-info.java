/** Task heads on the pooled encoder output: classification logits or retrieval embeddings. */
package org.mpsl4j.model.head;

/**
 * Text: the all-MiniLM-L6-v2 WordPiece tokenizer (through DJL's Hugging Face tokenizers binding) that turns texts
 * into fixed-length int64 token ids and attention masks.
 */
package org.mpsl4j.data.text;

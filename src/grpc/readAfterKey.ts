/**
 * The read-your-writes token: in the trailers of every write, and in the request metadata of a
 * read that must see it (GetItemDetail, BatchGetItemDetails, ListItems and the store reads).
 */
export const READ_AFTER_KEY = 'x-masterdata-read-after';

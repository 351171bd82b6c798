//! weft file-feed connector (work in progress).

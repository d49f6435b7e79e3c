"""Everything written from the timeline: ID3 tags now; captions, chapters, DAISY, feed later."""

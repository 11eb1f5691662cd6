"""From an approved register entry to the public: records (privacy-filtered), versions, channels, feed."""

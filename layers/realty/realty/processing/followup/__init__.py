"""After a processed tour: the realtor's follow-up message to the buyer, and buyer interest per listing."""

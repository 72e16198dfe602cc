echo from script $1

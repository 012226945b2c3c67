-- wrk script: cycles through the tiles listed in $TILE_LIST (one z/x/y a line), each thread
-- from its own offset, as $TILE_PREFIX .. z/x/y .. $TILE_SUFFIX.
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  paths = {}
  local prefix, suffix = os.getenv("TILE_PREFIX"), os.getenv("TILE_SUFFIX") or ""
  for line in io.lines(os.getenv("TILE_LIST")) do
    paths[#paths + 1] = prefix .. line .. suffix
  end
  counter = (id or 0) * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end

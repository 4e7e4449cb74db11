from advanced_alchemy.extensions.litestar.providers import create_service_provider

from conduit.articles.services import ArticleService
from conduit.config import alchemy_config

provide_articles_service = create_service_provider(ArticleService, config=alchemy_config)

from django.urls import path

from weserve.knowledge import views

urlpatterns = [
    path("shelf/", views.shelf, name="knowledge_shelf"),
    path("shelf/search/", views.search, name="knowledge_search"),
    path("shelf/articles/<int:pk>/", views.article, name="knowledge_article"),
    path("shelf/articles/<int:pk>/acknowledge/", views.acknowledge, name="knowledge_acknowledge"),
    path("shelf/articles/<int:pk>/approve/", views.approve, name="knowledge_approve"),
    path("shelf/articles/<int:pk>/file/", views.article_file, name="knowledge_file"),
    path("shelf/directory/", views.agencies, name="knowledge_directory"),
    path("shelf/emergency/", views.emergency, name="knowledge_emergency"),
    path("shelf/acknowledgements/", views.acknowledgements, name="knowledge_acknowledgements"),
    path("charter/<str:office_code>/", views.public_charter, name="knowledge_public_charter"),
]
